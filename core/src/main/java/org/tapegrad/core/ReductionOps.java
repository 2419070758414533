package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.Arrays;
import org.ejml.data.FMatrixRMaj;
import org.ejml.data.Matrix;
import org.tapegrad.core.internal.kernel.BinaryFn;
import org.tapegrad.core.internal.kernel.Kernels;
import org.tapegrad.core.internal.kernel.Shape;
import org.tapegrad.core.internal.kernel.UnaryFn;

/**
 * Sums, broadcasts, maxima and the reductions built on them (log-sum-exp, cumulative sums, variance, norms).
 * {@code expand} and {@code sumTo} are each other's adjoint.
 */
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
        return record("expand", out, (g, needs) -> new Tensor[] {g.sumTo(x.shapeRef())}, t -> t[0].expand(target), x);
    }

    /** The sum of x over the dimensions along which {@code shape} broadcasts to x's shape. dX = g.expand(x.shape). */
    static Tensor sumTo(Tensor input, int[] shape) {
        Tensor x = input.dtype() == DType.BOOL ? input.to(DType.INT32) : input; // a count of the trues
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
        } else if (isColumnSum(x, target)) {
            out = Tensor.uninitializedOutput(x.dtype(), target);
            rowSums((FMatrixRMaj) x.contiguousData(), ((FMatrixRMaj) out.matrix()).data, false);
        } else {
            out = Tensor.output(x.dtype(), target);
            addSumTo(x, out);
        }
        return record("sum", out, (g, needs) -> new Tensor[] {g.expand(x.shapeRef())}, t -> t[0].sumTo(target), x);
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
        if (out.isDense() && isColumnSum(x, out.shapeRef())) {
            rowSums((FMatrixRMaj) x.contiguousData(), ((FMatrixRMaj) out.matrix()).data, true);
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

    /**
     * A float32 matrix of several rows and long rows summed along its rows to a column [rows, 1] (the bias gradient
     * of a convolution, whose output is laid out channel by channel): {@link #rowSums} applies.
     */
    private static boolean isColumnSum(Tensor x, int[] target) {
        int[] s = x.shapeRef();
        return x.dtype() == DType.FLOAT32 && s.length == 2 && s[0] > 1 && s[1] >= 2 * SUM_LANES
                && target.length == 2 && target[0] == s[0] && target[1] == 1;
    }

    /** Independent partial sums per row in {@link #rowSums}. */
    private static final int SUM_LANES = 8;

    /**
     * {@code out[i] (+)= Σ_j g[i, j]}, each row summed in {@link #SUM_LANES} interleaved partial sums (then added
     * pairwise), so that the additions do not wait on one another as a single running sum would.
     */
    private static void rowSums(FMatrixRMaj g, float[] out, boolean accumulate) {
        float[] d = g.data;
        int n = g.numCols;
        for (int i = 0; i < g.numRows; i++) {
            int row = i * n;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            int j = 0;
            for (; j + SUM_LANES <= n; j += SUM_LANES) {
                s0 += d[row + j];
                s1 += d[row + j + 1];
                s2 += d[row + j + 2];
                s3 += d[row + j + 3];
                s4 += d[row + j + 4];
                s5 += d[row + j + 5];
                s6 += d[row + j + 6];
                s7 += d[row + j + 7];
            }
            for (; j < n; j++) {
                s0 += d[row + j];
            }
            float sum = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
            out[i] = accumulate ? out[i] + sum : sum;
        }
    }

    /**
     * {@code out (+)= } the sum of the rows of {@code g}, four rows at a time: the inner loop runs along a row,
     * which C2 vectorises, and each pass over {@code out} adds the pairwise sum of four rows.
     */
    private static void columnSums(FMatrixRMaj g, float[] out, boolean accumulate) {
        float[] d = g.data;
        int m = g.numRows;
        int n = g.numCols;
        if (!accumulate) {
            Arrays.fill(out, 0, n, 0f);
        }
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int r = i * n;
            for (int j = 0; j < n; j++) {
                out[j] += (d[r + j] + d[r + n + j]) + (d[r + 2 * n + j] + d[r + 3 * n + j]);
            }
        }
        for (; i < m; i++) {
            int r = i * n;
            for (int j = 0; j < n; j++) {
                out[j] += d[r + j];
            }
        }
    }


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
        return record("max", values,
                (g, needs) -> new Tensor[] {g.reshape(kept).expand(s).mul(firstMaxima(x, d, argmax))},
                t -> t[0].mul(firstMaxima(x, d, argmax)).sum(d, keepdim), x);
    }

    /** 1 at the first maximum of each slice along d (at {@code argmax}), 0 elsewhere: a constant of the rules. */
    private static Tensor firstMaxima(Tensor x, int d, int[] argmax) {
        int[] s = x.shapeRef();
        int inner = Shape.inner(s, d);
        Tensor mask = Tensor.output(x.dtype(), s);
        Kernels k = x.dtype().kernels();
        for (int i = 0; i < argmax.length; i++) {
            int o = i / inner;
            int j = i % inner;
            k.set(mask.matrix(), (o * s[d] + argmax[i]) * inner + j, 1);
        }
        return mask;
    }

    /**
     * Maximum along {@code dim}. dX = g shared evenly among the maxima of each slice (ties split, as PyTorch's
     * amax; {@link #max} sends it to the first).
     */
    static Tensor amax(Tensor x, int dim, boolean keepdim) {
        int d = Shape.dim("amax", dim, x.rank());
        int[] kept = Shape.reduced(x.shapeRef(), d, true);
        Tensor values;
        try (Scope s = Tape.noGrad()) {
            values = max(x, d, keepdim);
        }
        return record("amax", values, (g, needs) -> new Tensor[] {g.reshape(kept).mul(maximaShare(x, d, values))},
                t -> t[0].mul(maximaShare(x, d, values)).sum(d, keepdim), x);
    }

    /** 1/k at each of the k maxima of a slice along d, 0 elsewhere: how amax shares its gradient. */
    private static Tensor maximaShare(Tensor x, int d, Tensor values) {
        Tensor chosen = ArithmeticOps.constant(BinaryFn.EQ, x, values.detach().reshape(Shape.reduced(x.shapeRef(), d,
                true)));
        return ArithmeticOps.constant(BinaryFn.DIV, chosen, chosen.sum(d, true));
    }

    /**
     * log Σ e^x along {@code dim}, computed as m + log Σ e^(x - m) with m the slice's maximum (0 where that is
     * infinite, so a slice of -∞ gives -∞). dX = g·e^(x - y), the softmax.
     */
    static Tensor logsumexp(Tensor x, int dim, boolean keepdim) {
        int d = Shape.dim("logsumexp", dim, x.rank());
        if (x.shapeRef()[d] == 0) {
            throw new IllegalArgumentException("logsumexp: dimension " + d + " of shape " + Shape.str(x.shapeRef())
                    + " is empty");
        }
        Tensor y;
        try (Scope s = Tape.noGrad()) {
            Tensor m = max(x, d, true).constant(UnaryFn.FINITE_OR_ZERO, 0, 0);
            y = x.sub(m).exp().sum(d, true).log().add(m);
        }
        Tensor out = record("logsumexp", y, (g, needs) -> new Tensor[] {g.mul(x.sub(y).exp())},
                t -> t[0].mul(x.sub(y).exp()).sum(d, true), x);
        return keepdim ? out : out.reshape(Shape.reduced(x.shapeRef(), d, false));
    }

    /** y_i = Σ_{j ≤ i} x_j along {@code dim}, summed in double. dX = the reverse cumulative sum of g. */
    static Tensor cumsum(Tensor x, int dim) {
        int d = Shape.dim("cumsum", dim, x.rank());
        return record("cumsum", cumulate(x, d, false), (g, needs) -> new Tensor[] {reverseCumsum(g, d)},
                t -> cumsum(t[0], d), x);
    }

    /** y_i = Σ_{j ≥ i} x_j along {@code dim}: the adjoint of cumsum. dX = cumsum(g). */
    static Tensor reverseCumsum(Tensor x, int d) {
        return record("reverseCumsum", cumulate(x, d, true), (g, needs) -> new Tensor[] {cumsum(g, d)},
                t -> reverseCumsum(t[0], d), x);
    }

    private static Tensor cumulate(Tensor x, int d, boolean reverse) {
        int[] s = x.shapeRef();
        int outer = Shape.outer(s, d);
        int n = s[d];
        int inner = Shape.inner(s, d);
        double[] v = x.toDoubleArray();
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * n * inner + j;
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    int k = base + (reverse ? n - 1 - i : i) * inner;
                    sum += v[k];
                    v[k] = sum;
                }
            }
        }
        return ShapeOps.fromDoubles(x.dtype(), v, s);
    }

    /** Σ (x - mean)² / (n - correction) along {@code dim}; composed (dX = g·2(x - mean)/(n - correction) follows). */
    static Tensor var(Tensor x, int dim, int correction, boolean keepdim) {
        int d = Shape.dim("var", dim, x.rank());
        int n = x.shapeRef()[d];
        if (n - correction <= 0) {
            throw new IllegalArgumentException("var: dimension " + d + " of shape " + Shape.str(x.shapeRef()) + " has "
                    + n + " elements, too few for correction " + correction + " (n - correction must be positive; "
                    + "use correction 0 for the population variance)");
        }
        Tensor centred = x.sub(x.mean(d, true));
        return centred.mul(centred).sum(d, keepdim).div(n - correction);
    }

    /**
     * The p-norm along {@code dim} for p = 1 (Σ|x|), 2 (√Σx²) or ∞ (max |x|). Gradients: g·sign(x); g·x/y (0 where
     * y = 0, as PyTorch's subgradient); g·sign(x) shared evenly among the elements of largest |x|.
     */
    static Tensor norm(Tensor x, double p, int dim, boolean keepdim) {
        int d = Shape.dim("norm", dim, x.rank());
        if (p == 1) {
            return x.abs().sum(d, keepdim);
        }
        if (p == Double.POSITIVE_INFINITY) {
            return x.abs().amax(d, keepdim);
        }
        if (p != 2) {
            throw new IllegalArgumentException("norm: p = " + p + " is not supported; use 1, 2 or "
                    + "Double.POSITIVE_INFINITY");
        }
        Tensor y;
        try (Scope s = Tape.noGrad()) {
            y = x.mul(x).sum(d, true).sqrt();
        }
        Tensor out = record("norm", y, (g, needs) -> new Tensor[] {g.mul(unitDirection(x, y))},
                t -> t[0].mul(unitDirection(x, y)).sum(d, true), x);
        return keepdim ? out : out.reshape(Shape.reduced(x.shapeRef(), d, false));
    }

    /** x / y, with 0 where y = 0 (and so x = 0): the 2-norm's derivative, PyTorch's subgradient at 0. */
    private static Tensor unitDirection(Tensor x, Tensor y) {
        Tensor zero = y.constant(UnaryFn.IN_RANGE, 0, 0); // divide by 1 where y = 0
        return x.div(y.add(zero));
    }

    /**
     * Σ a·b / (max(‖a‖, ε)·max(‖b‖, ε)) along {@code dim} of the broadcast shape of a and b (PyTorch's
     * cosine_similarity), composed from norm, clamp, div and sum.
     */
    static Tensor cosineSimilarity(Tensor a, Tensor b, int dim, double eps) {
        if (!(eps >= 0)) {
            throw new IllegalArgumentException("cosineSimilarity: eps must be >= 0, got " + eps);
        }
        int[] shape = Shape.broadcast("cosineSimilarity", a.shapeRef(), b.shapeRef());
        int d = Shape.dim("cosineSimilarity", dim, shape.length);
        Tensor x = a.expand(shape);
        Tensor y = b.expand(shape);
        Tensor nx = x.norm(2, d, true).clamp(eps, Double.POSITIVE_INFINITY);
        Tensor ny = y.norm(2, d, true).clamp(eps, Double.POSITIVE_INFINITY);
        return x.div(nx).mul(y.div(ny)).sum(d, false);
    }

    /**
     * Index of the first maximum along {@code dim}, as an int32 tensor of the reduced shape (keeping dim as size 1
     * when {@code keepdim}). Not differentiable.
     */
    static Tensor argmax(Tensor x, int dim, boolean keepdim) {
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
        return Tensor.of(argmax, Shape.reduced(s, d, keepdim));
    }

    /** Index of the first minimum along {@code dim}: argmax of -x (computed exactly: int32 and bool in float64). */
    static Tensor argmin(Tensor x, int dim, boolean keepdim) {
        Tensor exact = x.detach().to(x.dtype().isFloatingPoint() ? x.dtype() : DType.FLOAT64);
        return argmax(exact.neg(), dim, keepdim);
    }

    /**
     * The k largest (or smallest) elements along dim, in order (ties by position), with their int32 indices: the
     * indices are chosen without recording, and the values are {@code x.gather(dim, indices)}, so their gradient
     * is g scattered to the chosen positions. NaN counts as larger than every number, as in PyTorch.
     */
    static Tensor.TopK topk(Tensor x, int k, int dim, boolean largest) {
        int d = Shape.dim("topk", dim, x.rank());
        int[] s = x.shapeRef();
        if (k < 0 || k > s[d]) {
            throw new IllegalArgumentException("topk: k = " + k + " is out of range for dimension " + d + " of size "
                    + s[d] + " (expected 0 to " + s[d] + ")");
        }
        int outer = Shape.outer(s, d);
        int inner = Shape.inner(s, d);
        double[] v = x.toDoubleArray();
        int[] chosen = new int[outer * k * inner];
        Integer[] order = new Integer[s[d]];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                int base = o * s[d] * inner + j;
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                java.util.Arrays.sort(order, (p, q) -> largest
                        ? Double.compare(v[base + q * inner], v[base + p * inner])
                        : Double.compare(v[base + p * inner], v[base + q * inner])); // stable: ties keep position
                for (int i = 0; i < k; i++) {
                    chosen[(o * k + i) * inner + j] = order[i];
                }
            }
        }
        int[] outShape = s.clone();
        outShape[d] = k;
        Tensor indices = Tensor.of(chosen, outShape);
        return new Tensor.TopK(x.gather(d, indices), indices);
    }
}
