package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.Arrays;
import org.ejml.data.FMatrixRMaj;
import org.ejml.data.Matrix;

/** Sums, broadcasts and maxima. {@code expand} and {@code sumTo} are each other's adjoint. */
final class ReductionOps {
    private ReductionOps() {
    }

    /** x stretched along its size-1 dimensions to {@code shape}, a view with stride 0 there. dX = g.sumTo(x.shape). */
    static Tensor expand(Tensor x, int[] shape) {
        int[] target = Shape.validate("expand", shape.clone());
        if (Arrays.equals(target, x.shapeRef())) {
            return x;
        }
        if (!Shape.broadcastsTo(x.shapeRef(), target)) {
            throw new IllegalArgumentException("expand: shape " + Shape.str(x.shapeRef()) + " cannot be broadcast to "
                    + Shape.str(target));
        }
        Tensor out = x.view(x.offset(), target, Shape.expandedStrides(x.shapeRef(), x.stridesRef(), target));
        return record("expand", out, (g, needs) -> new Tensor[] {g.sumTo(x.shapeRef())}, x);
    }

    /** The sum of x over the dimensions along which {@code shape} broadcasts to x's shape. dX = g.expand(x.shape). */
    static Tensor sumTo(Tensor x, int[] shape) {
        int[] target = Shape.validate("sumTo", shape.clone());
        if (Arrays.equals(target, x.shapeRef())) {
            return x;
        }
        if (!Shape.broadcastsTo(target, x.shapeRef())) {
            throw new IllegalArgumentException("sumTo: shape " + Shape.str(x.shapeRef()) + " cannot be summed to "
                    + Shape.str(target) + " (each target dimension must be 1 or equal to the source's)");
        }
        Tensor out;
        if (isRowSum(x, target)) {
            out = Tensor.uninitializedOutput(x.dtype(), target);
            columnSums((FMatrixRMaj) x.contiguousData(), ((FMatrixRMaj) out.matrix()).data, false);
        } else {
            out = Tensor.output(x.dtype(), target);
            addSumTo(x, out);
        }
        return record("sum", out, (g, needs) -> new Tensor[] {g.expand(x.shapeRef())}, x);
    }

    /**
     * {@code out += x} summed to {@code out}'s shape (which x broadcasts to), not recorded: the kernel of
     * {@link #sumTo}, also for adding a bias gradient straight into a kept {@code grad}.
     */
    static void addSumTo(Tensor x, Tensor out) {
        if (out.isDense() && isRowSum(x, out.shapeRef())) {
            columnSums((FMatrixRMaj) x.contiguousData(), ((FMatrixRMaj) out.matrix()).data, true);
            return;
        }
        Kernels k = x.dtype().kernels();
        Matrix m = out.storageMatrix();
        if (out.numel() == 1) { // a full reduction: accumulated in double, whatever the dtype
            k.set(m, out.offset(), k.get(m, out.offset()) + k.sum(x.contiguousData()));
            return;
        }
        // out, read with stride 0 along the summed dimensions, is updated in place: out[i] += x[j] over x's indices
        int[] os = Shape.expandedStrides(out.shapeRef(), out.stridesRef(), x.shapeRef());
        k.zip(BinaryFn.ADD, m, out.offset(), os, x.storageMatrix(), x.offset(),
                x.stridesRef(), m, out.offset(), os, x.shapeRef());
    }

    /**
     * A float32 matrix of several columns summed over its rows to a vector (a bias gradient): {@link #columnSums}
     * applies. A sum to one element stays with the kernel, which accumulates it in double.
     */
    private static boolean isRowSum(Tensor x, int[] target) {
        int[] s = x.shapeRef();
        if (x.dtype() != DType.FLOAT32 || s.length != 2 || s[0] == 0 || s[1] < 2) {
            return false;
        }
        return target.length == 1 ? target[0] == s[1] : target.length == 2 && target[0] == 1 && target[1] == s[1];
    }

    /** A column of ones and a one-row view, per thread, for {@link #columnSums}. */
    private static final ThreadLocal<FMatrixRMaj[]> COLUMN_SUMS = ThreadLocal.withInitial(
            () -> new FMatrixRMaj[] {new FMatrixRMaj(0, 1), new FMatrixRMaj(1, 0)});

    /**
     * {@code out (+)= } the sum of the rows of {@code g}, as the product {@code 1ᵀ·g} with a column of ones: the
     * kernel's path for a one-row product reads g where it lies, where a loop adding row after row into {@code out}
     * is not vectorised by C2 (each row's sums depend on the last; 10x slower).
     */
    private static void columnSums(FMatrixRMaj g, float[] out, boolean accumulate) {
        FMatrixRMaj[] scratch = COLUMN_SUMS.get();
        int m = g.numRows;
        FMatrixRMaj ones = scratch[0];
        if (ones.data.length < m) {
            ones = scratch[0] = new FMatrixRMaj(m, 1);
            Arrays.fill(ones.data, 1f);
        }
        ones.reshape(m, 1);
        FMatrixRMaj row = scratch[1];
        row.data = out;
        row.numRows = 1;
        row.numCols = g.numCols;
        try {
            Matmul.kernel().gemm(ones, true, g, false, row, accumulate);
        } finally {
            row.data = EMPTY; // keep no reference to the gradient
        }
    }

    private static final float[] EMPTY = new float[0];

    /** Sum along one dimension: a sumTo, then dropping the dimension unless keepdim (composed). */
    static Tensor sum(Tensor x, int dim, boolean keepdim) {
        int d = Shape.dim("sum", dim, x.rank());
        Tensor s = x.sumTo(Shape.reduced(x.shapeRef(), d, true));
        return keepdim ? s : s.reshape(Shape.reduced(x.shapeRef(), d, false));
    }

    /** Maximum along {@code dim}. dX = g at the first maximum of each slice, 0 elsewhere. */
    static Tensor max(Tensor x, int dim, boolean keepdim) {
        int d = Shape.dim("max", dim, x.rank());
        int[] s = x.shapeRef();
        if (s[d] == 0) {
            throw new IllegalArgumentException("max: dimension " + d + " of shape " + Shape.str(s) + " is empty");
        }
        int outer = Shape.outer(s, d);
        int inner = Shape.inner(s, d);
        int[] kept = Shape.reduced(s, d, true);
        Tensor values = Tensor.output(x.dtype(), keepdim ? kept : Shape.reduced(s, d, false));
        int[] argmax = Workspace.indices(outer * inner);
        x.dtype().kernels().maxAlong(x.contiguousData(), outer, s[d], inner, values.matrix(), argmax);
        return record("max", values, (g, needs) -> {
            // The mask of the chosen elements is a constant of the backward pass: g flows only where it is 1.
            Tensor mask = Tensor.output(x.dtype(), s);
            Kernels k = x.dtype().kernels();
            for (int i = 0; i < argmax.length; i++) {
                int o = i / inner;
                int j = i % inner;
                k.set(mask.matrix(), (o * s[d] + argmax[i]) * inner + j, 1);
            }
            return new Tensor[] {g.reshape(kept).expand(s).mul(mask)};
        }, x);
    }

    /** Index of the first maximum along {@code dim}. */
    static int[] argmax(Tensor x, int dim) {
        int d = Shape.dim("argmax", dim, x.rank());
        int[] s = x.shapeRef();
        if (s[d] == 0) {
            throw new IllegalArgumentException("argmax: dimension " + d + " of shape " + Shape.str(s) + " is empty");
        }
        int outer = Shape.outer(s, d);
        int inner = Shape.inner(s, d);
        int[] argmax = new int[outer * inner];
        Tensor values = Tensor.output(x.dtype(), Shape.reduced(s, d, true));
        x.dtype().kernels().maxAlong(x.contiguousData(), outer, s[d], inner, values.matrix(), argmax);
        return argmax;
    }
}
