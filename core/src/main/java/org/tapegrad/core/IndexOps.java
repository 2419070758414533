package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import org.tapegrad.core.internal.kernel.Shape;

/**
 * Index ops along any dimension with int32 index tensors, as PyTorch: gather, scatter and scatterAdd are the
 * primitives (each with its rule); indexSelect and indexAdd are composed from them. Written for clarity as loops
 * over row-major values (these ops move data; they do not compute). An index outside its dimension is refused with
 * the op, the value and the valid range.
 */
final class IndexOps {
    private IndexOps() {
    }

    /**
     * {@code out[i][j][k] = x[index[i][j][k]][j][k]} for dim 0 (likewise for others); index has x's rank and no
     * larger a size than x along the other dimensions; out has index's shape. dX = scatterAdd of g into zeros.
     */
    static Tensor gather(Tensor x, int dim, Tensor index) {
        int d = Shape.dim("gather", dim, x.rank());
        int[] offsets = offsets("gather", x.shapeRef(), d, index);
        double[] xv = x.toDoubleArray();
        double[] v = new double[offsets.length];
        for (int p = 0; p < v.length; p++) {
            v[p] = xv[offsets[p]];
        }
        Tensor out = Tensor.of(x.dtype(), v, index.shape());
        return record("gather", out,
                (g, needs) -> new Tensor[] {scatter(Tensor.zeros(g.dtype(), x.shapeRef()), d, index, g, true)},
                t -> gather(t[0], d, index), x);
    }

    /**
     * x with {@code out[index[i][j][k]][j][k] = src[i][j][k]} (dim 0; src has index's shape), or {@code +=} when
     * {@code accumulate} (scatterAdd). Without accumulating, a position written twice keeps the last write.
     * scatter: dX = g with the written positions zeroed, dSrc = g.gather(dim, index);
     * scatterAdd: dX = g, dSrc = g.gather(dim, index).
     */
    static Tensor scatter(Tensor x, int dim, Tensor index, Tensor src, boolean accumulate) {
        String op = accumulate ? "scatterAdd" : "scatter";
        DType dtype = TypePromotion.resultType(x, src);
        Tensor a = x.to(dtype), s = src.to(dtype);
        int d = Shape.dim(op, dim, a.rank());
        int[] offsets = offsets(op, a.shapeRef(), d, index);
        if (!java.util.Arrays.equals(s.shapeRef(), index.shapeRef())) {
            throw new IllegalArgumentException(op + ": src " + Shape.str(s.shapeRef()) + " and index "
                    + Shape.str(index.shapeRef()) + " differ in shape; src holds one value per index");
        }
        double[] v = a.toDoubleArray();
        double[] sv = s.toDoubleArray();
        for (int p = 0; p < sv.length; p++) {
            v[offsets[p]] = accumulate ? v[offsets[p]] + sv[p] : sv[p];
        }
        Tensor out = Tensor.of(dtype, v, a.shapeRef());
        return record(op, out, (g, needs) -> new Tensor[] {
                needs[0] ? (accumulate ? g : scatter(g, d, index, Tensor.zeros(g.dtype(), s.shapeRef()), false)) : null,
                needs[1] ? gather(g, d, index) : null},
                t -> scatter(t[0] != null ? t[0] : Tensor.zeros(dtype, a.shapeRef()), d, index,
                        t[1] != null ? t[1] : Tensor.zeros(dtype, s.shapeRef()), accumulate), a, s);
    }

    /**
     * The slices {@code index[i]} of x along dim (index a 1-D int32 tensor): {@code gather} with the index
     * broadcast across the other dimensions, so its gradient is that of gather (repeated indices accumulate).
     */
    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        int d = Shape.dim("indexSelect", dim, x.rank());
        checkVector("indexSelect", index, x.shapeRef()[d], d);
        int[] outShape = x.shape();
        outShape[d] = index.numel();
        return gather(x, d, alongDim(index, d, outShape));
    }

    /**
     * x plus {@code source} added into the slices {@code index[i]} along dim (index a 1-D int32 tensor, source of
     * x's shape except {@code index.numel()} along dim): scatterAdd composed, so dX = g, dSource = g.indexSelect.
     */
    static Tensor indexAdd(Tensor x, int dim, Tensor index, Tensor source) {
        int d = Shape.dim("indexAdd", dim, x.rank());
        checkVector("indexAdd", index, x.shapeRef()[d], d);
        int[] expected = x.shape();
        expected[d] = index.numel();
        if (!java.util.Arrays.equals(source.shapeRef(), expected)) {
            throw new IllegalArgumentException("indexAdd: source " + Shape.str(source.shapeRef()) + " does not match "
                    + "the input " + Shape.str(x.shapeRef()) + " with " + index.numel() + " slices along dimension "
                    + d + " (expected " + Shape.str(expected) + ")");
        }
        return scatter(x, d, alongDim(index, d, expected), source, true);
    }

    /** A 1-D index as a view along dimension d of {@code shape}, broadcast across the others. */
    private static Tensor alongDim(Tensor index, int d, int[] shape) {
        int[] s = new int[shape.length];
        java.util.Arrays.fill(s, 1);
        s[d] = index.numel();
        return index.reshape(s).expand(shape);
    }

    private static void checkVector(String op, Tensor index, int size, int d) {
        checkDtype(op, index);
        if (index.rank() != 1) {
            throw new IllegalArgumentException(op + ": the index must be 1-D, got shape " + Shape.str(index.shapeRef()));
        }
        checkRange(op, index.toIntArray(), size, d);
    }

    /**
     * For each element p of {@code index} (of the data's rank, no larger along the other dimensions): the row-major
     * offset in data of shape {@code ds} of the element with p's coordinates, coordinate d replaced by index[p].
     */
    private static int[] offsets(String op, int[] ds, int d, Tensor index) {
        checkDtype(op, index);
        int[] is = index.shapeRef();
        if (is.length != ds.length) {
            throw new IllegalArgumentException(op + ": the index " + Shape.str(is) + " must have the rank of the input "
                    + Shape.str(ds));
        }
        for (int k = 0; k < is.length; k++) {
            if (k != d && is[k] > ds[k]) {
                throw new IllegalArgumentException(op + ": the index " + Shape.str(is) + " is larger than the input "
                        + Shape.str(ds) + " along dimension " + k + " (only dimension " + d + " may differ)");
            }
        }
        int[] idx = index.toIntArray();
        checkRange(op, idx, ds[d], d);
        int[] strides = Shape.strides(ds);
        int[] coord = new int[is.length];
        int[] offsets = new int[idx.length];
        for (int p = 0; p < idx.length; p++) {
            int o = 0;
            for (int k = 0; k < is.length; k++) {
                o += (k == d ? idx[p] : coord[k]) * strides[k];
            }
            offsets[p] = o;
            for (int k = is.length - 1; k >= 0 && ++coord[k] == is[k]; k--) {
                coord[k] = 0;
            }
        }
        return offsets;
    }

    private static void checkDtype(String op, Tensor index) {
        if (index.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": the index must be an int32 tensor, got " + index.dtype()
                    + "; convert it with .to(DType.INT32)");
        }
    }

    private static void checkRange(String op, int[] idx, int size, int d) {
        for (int p = 0; p < idx.length; p++) {
            if (idx[p] < 0 || idx[p] >= size) {
                throw new IndexOutOfBoundsException(op + ": index " + idx[p] + " at element " + p + " is out of range "
                        + "for dimension " + d + " of size " + size + " (expected 0 to " + (size - 1) + ")");
            }
        }
    }
}
