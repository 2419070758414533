package org.tapegrad.core.internal.kernel;

/**
 * The iteration of a strided kernel over an index space shared by a few operands (each an offset and strides into
 * its own array): the space is reduced to as few dimensions as the operands' layouts allow, and walked one row of
 * the last dimension at a time. Dimensions of size 1 are dropped, and two neighbouring dimensions merge when every
 * operand steps through them as through one ({@code stride[k] = stride[k+1]·shape[k+1]}), so that contiguous
 * operands become a single row and a bias broadcast over rows becomes rows of a contiguous loop.
 *
 * <pre>{@code
 * StridedLoop loop = StridedLoop.of(shape, srcOffset, srcStrides, dstOffset, dstStrides);
 * for (int r = 0; r < loop.rows; r++, loop.next()) {
 *     int s = loop.pos[0], d = loop.pos[1];          // where this row starts in each operand
 *     for (int i = 0; i < loop.inner; i++) dst[d + i * loop.step[1]] = src[s + i * loop.step[0]];
 * }
 * }</pre>
 *
 * Kernels of both dtypes share it (it deals in indices only).
 */
public final class StridedLoop {
    /** Rows to walk (the product of all but the last reduced dimension); 0 for an empty index space. */
    final int rows;
    /** Length of a row (the last reduced dimension). */
    final int inner;
    /** Each operand's stride along a row. */
    final int[] step;
    /** Each operand's index of the first element of the current row. */
    final int[] pos;
    /** The outer dimensions (all but the last), their strides per operand, and the position in them. */
    private final int[] outer;
    private final int[][] outerStrides;
    private final int[] index;

    private StridedLoop(int rows, int inner, int[] step, int[] pos, int[] outer, int[][] outerStrides) {
        this.rows = rows;
        this.inner = inner;
        this.step = step;
        this.pos = pos;
        this.outer = outer;
        this.outerStrides = outerStrides;
        this.index = new int[outer.length];
    }

    /** Two operands. */
    static StridedLoop of(int[] shape, int offset0, int[] strides0, int offset1, int[] strides1) {
        return of(shape, new int[] {offset0, offset1}, new int[][] {strides0, strides1});
    }

    /** Three operands. */
    static StridedLoop of(int[] shape, int offset0, int[] strides0, int offset1, int[] strides1, int offset2,
            int[] strides2) {
        return of(shape, new int[] {offset0, offset1, offset2}, new int[][] {strides0, strides1, strides2});
    }

    private static StridedLoop of(int[] shape, int[] offsets, int[][] strides) {
        int ops = offsets.length;
        int rank = shape.length;
        int[] dims = new int[rank];
        int[][] st = new int[ops][rank];
        int r = 0;
        for (int k = 0; k < rank; k++) {
            if (shape[k] == 0) {
                return new StridedLoop(0, 0, new int[ops], offsets, new int[0], new int[ops][0]);
            }
            if (shape[k] == 1) {
                continue;
            }
            boolean merge = r > 0;
            for (int o = 0; o < ops && merge; o++) {
                merge = st[o][r - 1] == strides[o][k] * shape[k];
            }
            if (merge) {
                dims[r - 1] *= shape[k];
                for (int o = 0; o < ops; o++) {
                    st[o][r - 1] = strides[o][k];
                }
            } else {
                dims[r] = shape[k];
                for (int o = 0; o < ops; o++) {
                    st[o][r] = strides[o][k];
                }
                r++;
            }
        }
        if (r == 0) { // a single element
            return new StridedLoop(1, 1, new int[ops], offsets, new int[0], new int[ops][0]);
        }
        int[] step = new int[ops];
        int[][] outerStrides = new int[ops][];
        int rows = 1;
        for (int k = 0; k < r - 1; k++) {
            rows *= dims[k];
        }
        for (int o = 0; o < ops; o++) {
            step[o] = st[o][r - 1];
            outerStrides[o] = java.util.Arrays.copyOf(st[o], r - 1);
        }
        return new StridedLoop(rows, dims[r - 1], step, offsets, java.util.Arrays.copyOf(dims, r - 1), outerStrides);
    }

    /** Moves {@link #pos} to the start of the next row. */
    void next() {
        for (int k = outer.length - 1; k >= 0; k--) {
            if (++index[k] < outer[k]) {
                for (int o = 0; o < pos.length; o++) {
                    pos[o] += outerStrides[o][k];
                }
                return;
            }
            index[k] = 0;
            for (int o = 0; o < pos.length; o++) {
                pos[o] -= outerStrides[o][k] * (outer[k] - 1);
            }
        }
    }
}
