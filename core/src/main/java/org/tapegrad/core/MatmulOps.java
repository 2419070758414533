package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.ejml.data.FMatrixRMaj;
import org.ejml.data.Matrix;
import org.tapegrad.core.gemm.MatmulKernel;
import org.tapegrad.core.internal.kernel.Kernels;
import org.tapegrad.core.internal.kernel.Shape;

/** The matrix product, plain and batched, through the installed {@link MatmulKernel}. */
final class MatmulOps {
    private MatmulOps() {
    }

    /**
     * PyTorch's {@code torch.matmul}: two 2-D tensors go to {@link #matmul(Tensor, boolean, Tensor, boolean)}
     * unchanged; two vectors give their dot product []; a vector on the left is a row [1, k] and on the right a
     * column [k, 1], that dimension removed from the result; with more dimensions the leading (batch) ones
     * broadcast, [2, 1, 3, 4] x [5, 4, 6] = [2, 5, 3, 6]. A right operand of rank 1 or 2 is folded into one
     * product ([..., n, k] as [(...·n), k]); otherwise both are expanded to the broadcast batch shape (views, stride
     * 0 where they broadcast: nothing is copied) for one {@link #batched} product. Gradients are those of the views
     * and products, so each operand's gradient is summed back to its shape.
     */
    static Tensor matmul(Tensor x, Tensor y) {
        int ra = x.rank();
        int rb = y.rank();
        if (ra == 2 && rb == 2) {
            return matmul(x, false, y, false);
        }
        if (ra == 0 || rb == 0) {
            throw new IllegalArgumentException("matmul: both arguments need at least one dimension, got "
                    + Shape.str(x.shapeRef()) + " x " + Shape.str(y.shapeRef()));
        }
        int k = x.shapeRef()[ra - 1];
        int kb = y.shapeRef()[rb == 1 ? 0 : rb - 2];
        if (k != kb) {
            throw new IllegalArgumentException("matmul: " + Shape.str(x.shapeRef()) + " x " + Shape.str(y.shapeRef())
                    + ": inner dimensions " + k + " and " + kb + " differ");
        }
        if (rb <= 2) { // [..., k] x [k] or [k, m]: the leading dimensions of x are rows of one product
            int[] lead = Arrays.copyOf(x.shapeRef(), ra - 1);
            Tensor column = rb == 1 ? y.unsqueeze(1) : y;
            Tensor c = matmul(x.reshape(Shape.numel(lead), k), false, column, false);
            int[] shape = rb == 1 ? lead : Arrays.copyOf(lead, ra);
            if (rb == 2) {
                shape[ra - 1] = y.shapeRef()[1];
            }
            return c.reshape(shape);
        }
        Tensor a = ra == 1 ? x.unsqueeze(0) : x;
        int[] batchA = Arrays.copyOf(a.shapeRef(), a.rank() - 2);
        int[] batchB = Arrays.copyOf(y.shapeRef(), rb - 2);
        int[] batch = broadcastBatch(x, y, batchA, batchB);
        Tensor c = batched("matmul", a.expand(withMatrix(batch, a)), y.expand(withMatrix(batch, y)));
        return ra == 1 ? c.squeeze(-2) : c;
    }

    /** The shape batch dimensions a and b broadcast to, or an exception naming the operands x and y. */
    private static int[] broadcastBatch(Tensor x, Tensor y, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("matmul: " + Shape.str(x.shapeRef()) + " x "
                        + Shape.str(y.shapeRef()) + ": batch dimensions " + Shape.str(a) + " and " + Shape.str(b)
                        + " do not broadcast (" + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** {@code batch} followed by the last two dimensions of t. */
    private static int[] withMatrix(int[] batch, Tensor t) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = t.shapeRef()[t.rank() - 2];
        s[batch.length + 1] = t.shapeRef()[t.rank() - 1];
        return s;
    }

    /**
     * c = op(a)·op(b), op = transpose when asked. With c = a·b: dA = g·bᵀ, dB = aᵀ·g; the transposed cases follow
     * by transposing those, and every one is again a product of this form, so no transpose is ever copied.
     */
    static Tensor matmul(Tensor x, boolean ta, Tensor y, boolean tb) {
        if (x.rank() != 2 || y.rank() != 2) {
            throw new IllegalArgumentException("matmul: expects 2-D tensors, got " + Shape.str(x.shapeRef()) + " x "
                    + Shape.str(y.shapeRef()));
        }
        DType dtype = TypePromotion.resultType(x, y);
        Tensor a = x.to(dtype), b = y.to(dtype);
        int m = a.shapeRef()[ta ? 1 : 0];
        int ka = a.shapeRef()[ta ? 0 : 1];
        int kb = b.shapeRef()[tb ? 1 : 0];
        int n = b.shapeRef()[tb ? 0 : 1];
        if (ka != kb) {
            throw new IllegalArgumentException("matmul: " + Shape.str(a.shapeRef()) + (ta ? "ᵀ" : "") + " x "
                    + Shape.str(b.shapeRef()) + (tb ? "ᵀ" : "") + ": inner dimensions " + ka + " and " + kb + " differ");
        }
        Tensor c = ka == 0 ? Tensor.output(a.dtype(), new int[] {m, n}) // an empty sum is 0
                : Tensor.uninitializedOutput(a.dtype(), new int[] {m, n});
        a.dtype().kernels().gemm(operand(a), ta != flipped(a), operand(b), tb != flipped(b), c.matrix(), false);
        return record("matmul", c, new MatmulRule(a, ta, b, tb), t -> ForwardRule.sum(
                t[0] == null ? null : matmul(t[0], ta, b, tb), t[1] == null ? null : matmul(a, ta, t[1], tb)), a, b);
    }

    /**
     * PyTorch's {@code bmm}: c[i] = a[i]·b[i] for a [B, n, k] and b [B, k, m], c [B, n, m] (no broadcasting; see
     * {@link #batched}).
     */
    static Tensor bmm(Tensor a, Tensor b) {
        if (a.rank() != 3 || b.rank() != 3) {
            throw new IllegalArgumentException("bmm: expects 3-D tensors [B, n, k] and [B, k, m], got "
                    + Shape.str(a.shapeRef()) + " x " + Shape.str(b.shapeRef()));
        }
        if (a.shapeRef()[0] != b.shapeRef()[0]) {
            throw new IllegalArgumentException("bmm: " + Shape.str(a.shapeRef()) + " x " + Shape.str(b.shapeRef())
                    + ": batch sizes " + a.shapeRef()[0] + " and " + b.shapeRef()[0] + " differ");
        }
        return batched("bmm", a, b);
    }

    /**
     * c[i] = a[i]·b[i] for every batch index i: a [..., n, k] and b [..., k, m] with the same batch dimensions
     * (the callers checked them; any strides, so an expanded operand, stride 0, is read in place), c [..., n, m].
     * Each batch is one call of the matrix kernel on that batch's matrices (see {@link Batches}).
     * dA = g·bᵀ and dB = aᵀ·g, per batch, each again a batched product, so gradients of gradients work.
     */
    static Tensor batched(String op, Tensor x, Tensor y) {
        DType dtype = TypePromotion.resultType(x, y);
        Tensor a = x.to(dtype), b = y.to(dtype);
        int r = a.rank();
        int n = a.shapeRef()[r - 2];
        int k = a.shapeRef()[r - 1];
        int kb = b.shapeRef()[r - 2];
        int m = b.shapeRef()[r - 1];
        if (k != kb) {
            throw new IllegalArgumentException(op + ": " + Shape.str(a.shapeRef()) + " x " + Shape.str(b.shapeRef())
                    + ": inner dimensions " + k + " and " + kb + " differ");
        }
        int[] shape = Arrays.copyOf(a.shapeRef(), r);
        shape[r - 1] = m;
        Tensor c = k == 0 ? Tensor.output(dtype, shape) // an empty sum is 0
                : Tensor.uninitializedOutput(dtype, shape);
        if (k > 0 && c.numel() > 0) {
            multiplyBatches(a, b, c);
        }
        BackwardRule rule = (g, needs) -> new Tensor[] {
                needs[0] ? batched(op, g, b.transpose(-1, -2)) : null,
                needs[1] ? batched(op, a.transpose(-1, -2), g) : null};
        return record(op, c, rule, t -> ForwardRule.sum(t[0] == null ? null : batched(op, t[0], b),
                t[1] == null ? null : batched(op, a, t[1])), a, b);
    }

    /** c[i] = a[i]·b[i], one kernel call per batch; c is dense, every size above 0. Not recorded. */
    private static void multiplyBatches(Tensor a, Tensor b, Tensor c) {
        Kernels kernels = c.dtype().kernels();
        int r = c.rank();
        int n = c.shapeRef()[r - 2];
        int m = c.shapeRef()[r - 1];
        int[] batch = Arrays.copyOf(c.shapeRef(), r - 2);
        int count = Shape.numel(batch);
        Batches left = new Batches(a);
        Batches right = new Batches(b);
        Matrix all = c.matrix();
        Matrix first = kernels.wrap(all, n, m); // batch 0 starts the output's storage: the kernel writes it there
        Matrix scratch = count > 1 ? kernels.create(n, m) : null;
        int[] index = new int[batch.length];
        for (int i = 0; i < count; i++) {
            Matrix ci = i == 0 ? first : scratch;
            kernels.gemm(left.matrix(index), left.flipped, right.matrix(index), right.flipped, ci, false);
            if (i > 0) {
                kernels.copyRange(scratch, 0, all, i * n * m, n * m);
            }
            for (int d = batch.length - 1; d >= 0 && ++index[d] == batch[d]; d--) {
                index[d] = 0;
            }
        }
    }

    /**
     * The matrices of a batched operand [..., rows, cols], one batch at a time, as the kernel reads them. A batch
     * laid out row-major is that stretch of the storage; one laid out as the transpose of a row-major matrix (a
     * {@code transpose(-1, -2)} view) is that matrix with the kernel's transpose flag set ({@link #flipped}); any
     * other layout is gathered row-major. An EJML matrix has no offset, so the batch at storage offset 0 is the
     * storage itself and every other batch is copied into one scratch matrix, reused from batch to batch (memory
     * for one batch, not for all): a copy costs rows·cols, the product rows·cols·m. A batch at the offset of the
     * last one (an expanded operand, stride 0) reuses its copy.
     */
    private static final class Batches {
        private final Tensor t;
        private final Kernels kernels;
        private final int rows;
        private final int cols;
        private final int rowStride;
        private final int colStride;
        /** Each batch is the transpose of a row-major cols × rows matrix. */
        final boolean flipped;
        private final boolean rowMajor;
        private Matrix scratch;
        private int scratchOffset = -1;

        Batches(Tensor t) {
            this.t = t;
            this.kernels = t.dtype().kernels();
            int r = t.rank();
            rows = t.shapeRef()[r - 2];
            cols = t.shapeRef()[r - 1];
            rowStride = t.stridesRef()[r - 2];
            colStride = t.stridesRef()[r - 1];
            rowMajor = (rows == 1 || rowStride == cols) && (cols == 1 || colStride == 1);
            flipped = !rowMajor && (rows == 1 || rowStride == 1) && (cols == 1 || colStride == rows);
        }

        /** The matrix of the batch at {@code index}, to read with transpose flag {@link #flipped}. */
        Matrix matrix(int[] index) {
            int offset = t.offset();
            for (int d = 0; d < index.length; d++) {
                offset += index[d] * t.stridesRef()[d];
            }
            int mRows = flipped ? cols : rows;
            int mCols = flipped ? rows : cols;
            if (offset == 0 && (rowMajor || flipped)) {
                return kernels.wrap(t.storageMatrix(), mRows, mCols);
            }
            if (offset == scratchOffset) {
                return scratch;
            }
            if (scratch == null) {
                scratch = kernels.create(mRows, mCols);
            }
            if (rowMajor || flipped) {
                kernels.copyRange(t.storageMatrix(), offset, scratch, 0, rows * cols);
            } else {
                kernels.copyStrided(t.storageMatrix(), offset, new int[] {rowStride, colStride}, scratch, 0,
                        new int[] {cols, 1}, new int[] {rows, cols});
            }
            scratchOffset = offset;
            return scratch;
        }
    }

    /**
     * y = x·wᵀ + b, PyTorch's {@code F.linear}: x [N, in], w [out, in], b [out] or null. The bias rows are written
     * first and the product accumulates onto them, so the layer makes one pass over its output instead of a product
     * and a broadcast add. dX = g·w, dW = gᵀ·x, dB = g summed over rows.
     */
    static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        if (input.rank() != 2) {
            return onRows(input, weight, rows -> linear(rows, weight, bias));
        }
        DType dtype = TypePromotion.resultType(input, weight, bias);
        Tensor x = input.to(dtype), w = weight.to(dtype), b = TypePromotion.to(bias, dtype);
        Tensor y = linearOutput(x, w, b);
        x.dtype().kernels().gemm(operand(x), flipped(x), operand(w), !flipped(w), y.matrix(), b != null);
        LinearRule rule = new LinearRule(x, w, b);
        ForwardRule jvp = t -> ForwardRule.sum(t[0] == null ? null : linear(t[0], w, null),
                t[1] == null ? null : linear(x, t[1], null),
                t.length == 2 || t[2] == null ? null : t[2].expand(y.shapeRef()));
        return b == null ? record("linear", y, rule, jvp, x, w) : record("linear", y, rule, jvp, x, w, b);
    }

    /**
     * A 2-D linear applied to x [..., in] of rank 1 or 3 and more, as PyTorch's {@code F.linear} on any input: the
     * leading dimensions flattened into rows [N, in] (a view when x is contiguous), {@code linear2d} on them, and
     * its [N, out] viewed as [..., out]. The gradients are those of the two reshapes and the 2-D op.
     */
    static Tensor onRows(Tensor x, Tensor w, UnaryOperator<Tensor> linear2d) {
        int r = x.rank();
        if (r == 0 || w.rank() != 2 || x.shapeRef()[r - 1] != w.shapeRef()[1]) {
            throw new IllegalArgumentException("linear: expects input [..., in] and weight [out, in], got input "
                    + Shape.str(x.shapeRef()) + " and weight " + Shape.str(w.shapeRef()));
        }
        int[] shape = x.shapeRef().clone();
        Tensor rows = x.reshape(Shape.numel(Arrays.copyOf(shape, r - 1)), shape[r - 1]);
        shape[r - 1] = w.shapeRef()[0];
        return linear2d.apply(rows).reshape(shape);
    }

    /**
     * {@link #linear} with {@code wᵀ} already packed by {@code kernel} ({@link PackedWeight}), for inference: the
     * result is not recorded (the caller checked that nothing needs a gradient).
     */
    static Tensor linearPacked(Tensor x, Tensor w, MatmulKernel kernel, MatmulKernel.Packed packed, Tensor b) {
        Tensor y = linearOutput(x, w, b);
        kernel.gemm((FMatrixRMaj) x.contiguousData(), false, packed, (FMatrixRMaj) y.matrix(), b != null);
        GradState state = GradState.get();
        if (state.anomaly()) {
            Anomaly.checkForward(state, "linear", y);
        }
        return y;
    }

    /**
     * Checks the operands of {@link #linear} (of one dtype) and returns its output, holding the bias in every row
     * when there is one (the product then accumulates onto it).
     */
    private static Tensor linearOutput(Tensor x, Tensor w, Tensor b) {
        if (x.rank() != 2 || w.rank() != 2 || x.shapeRef()[1] != w.shapeRef()[1]) {
            throw new IllegalArgumentException("linear: expects input [N, in] and weight [out, in], got input "
                    + Shape.str(x.shapeRef()) + " and weight " + Shape.str(w.shapeRef()));
        }
        x.checkSameDtype("linear", w);
        int m = x.shapeRef()[0];
        int n = w.shapeRef()[0];
        if (b == null) {
            // The product writes every element, but an empty product is 0, so it needs zeros.
            return x.shapeRef()[1] == 0 ? Tensor.output(x.dtype(), new int[] {m, n})
                    : Tensor.uninitializedOutput(x.dtype(), new int[] {m, n});
        }
        if (b.rank() != 1 || b.shapeRef()[0] != n) {
            throw new IllegalArgumentException("linear: expects bias [" + n + "] for weight " + Shape.str(w.shapeRef())
                    + ", got " + Shape.str(b.shapeRef()));
        }
        x.checkSameDtype("linear", b);
        Tensor y = Tensor.uninitializedOutput(x.dtype(), new int[] {m, n});
        x.dtype().kernels().copyStrided(b.storageMatrix(), b.offset(), new int[] {0, b.stridesRef()[0]}, y.matrix(), 0,
                y.stridesRef(), y.shapeRef()); // the bias in every row
        return y;
    }

    /**
     * The rule of {@link #matmul}, c = op(a)·op(b): with c = a·b, dA = g·bᵀ and dB = aᵀ·g; the transposed cases
     * follow by transposing those. Each is one product, which can also accumulate into the engine's buffer.
     */
    private record MatmulRule(Tensor a, boolean ta, Tensor b, boolean tb) implements AccumulatingRule {
        @Override
        public Tensor[] apply(Tensor g, boolean[] needs) {
            return new Tensor[] {
                    !needs[0] ? null : ta ? matmul(b, tb, g, true) : matmul(g, false, b, !tb),
                    !needs[1] ? null : tb ? matmul(g, true, a, ta) : matmul(a, !ta, g, false)};
        }

        @Override
        public boolean accumulateInto(int i, Tensor g, Tensor dest) {
            if (i == 0) {
                return ta ? addProduct(b, tb, g, true, dest) : addProduct(g, false, b, !tb, dest);
            }
            return tb ? addProduct(g, true, a, ta, dest) : addProduct(a, !ta, g, false, dest);
        }
    }

    /** The rule of {@link #linear}, y = x·wᵀ + b: dX = g·w, dW = gᵀ·x, dB = g summed over rows. */
    private record LinearRule(Tensor x, Tensor w, Tensor b) implements AccumulatingRule {
        @Override
        public Tensor[] apply(Tensor g, boolean[] needs) {
            Tensor dx = needs[0] ? matmul(g, false, w, false) : null;
            Tensor dw = needs[1] ? matmul(g, true, x, false) : null;
            return b == null ? new Tensor[] {dx, dw} : new Tensor[] {dx, dw, needs[2] ? g.sumTo(b.shapeRef()) : null};
        }

        @Override
        public boolean accumulateInto(int i, Tensor g, Tensor dest) {
            switch (i) {
                case 0:
                    return addProduct(g, false, w, false, dest);
                case 1:
                    return addProduct(g, true, x, false, dest);
                default:
                    ReductionOps.addSumTo(g, dest);
                    return true;
            }
        }
    }

    /**
     * {@code dest += op(a)·op(b)}, not recorded (the caller checked the shapes: dest is the gradient's); false when
     * dest is a view the kernel cannot write (not contiguous at offset 0).
     */
    private static boolean addProduct(Tensor a, boolean ta, Tensor b, boolean tb, Tensor dest) {
        if (!dest.isDense()) {
            return false;
        }
        if (a.shapeRef()[ta ? 0 : 1] > 0) { // an empty sum adds nothing
            a.dtype().kernels().gemm(operand(a), ta != flipped(a), operand(b), tb != flipped(b), dest.matrix(), true);
        }
        return true;
    }

    /**
     * True for a 2-D tensor that is the transpose of a contiguous matrix at offset 0 (strides {@code [1, rows]}), as
     * {@code w.t()} is: the kernel then reads that matrix with its transpose flag flipped, and nothing is copied.
     */
    private static boolean flipped(Tensor t) {
        if (t.isContiguous() || t.offset() != 0) {
            return false;
        }
        int[] st = t.stridesRef();
        return st[0] == 1 && st[1] == t.shapeRef()[0];
    }

    /**
     * The matrix a product reads for operand t: its own when contiguous at offset 0, its transpose's (see
     * {@link #flipped}), or else a contiguous copy.
     */
    private static Matrix operand(Tensor t) {
        if (flipped(t)) {
            int[] s = t.shapeRef();
            return t.view(0, new int[] {s[1], s[0]}, null).matrix();
        }
        return t.contiguousData();
    }
}
