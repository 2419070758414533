package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Ops that move elements without computing on them. The views (reshape of suitable strides, permute, narrow,
 * select, split, chunk, unbind, squeeze, unsqueeze; expand is in {@link ReductionOps}) share their input's storage
 * and only change offset, shape and strides; concat, row selection and copies write new storage.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    /**
     * The same elements in another shape: a view when the strides allow it (always for contiguous x), else a
     * contiguous copy viewed so (refused when {@code viewOnly}). dX = g.reshape(x.shape).
     */
    static Tensor reshape(Tensor x, int[] newShape, boolean viewOnly) {
        String op = viewOnly ? "view" : "reshape";
        int[] s = newShape.clone();
        int infer = -1;
        int known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1 && infer < 0) {
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid shape " + Shape.str(newShape)
                        + " (only one dimension may be -1, none negative otherwise)");
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException(op + ": cannot infer the -1 in " + Shape.str(newShape)
                        + " for " + x.numel() + " elements");
            }
            s[infer] = x.numel() / known;
        }
        Shape.validate(op, s);
        if (Shape.numel(s) != x.numel()) {
            throw new IllegalArgumentException(op + ": shape " + Shape.str(x.shapeRef()) + " (" + x.numel()
                    + " elements) cannot be viewed as " + Shape.str(s) + " (" + Shape.numel(s) + " elements)");
        }
        if (Arrays.equals(s, x.shapeRef())) {
            return x;
        }
        int[] strides = x.isContiguous() ? null : viewStrides(x.shapeRef(), x.stridesRef(), s);
        if (strides == null && !x.isContiguous()) {
            if (viewOnly) {
                throw new IllegalArgumentException("view: the strides " + Shape.str(x.stridesRef()) + " of shape "
                        + Shape.str(x.shapeRef()) + " cannot express shape " + Shape.str(s) + " without copying; "
                        + "use reshape (which copies when it must) or contiguous() first");
            }
            return reshape(x.contiguous(), s, false);
        }
        Tensor out = x.view(x.offset(), s, strides);
        int[] in = x.shapeRef();
        return record("reshape", out, (g, needs) -> new Tensor[] {g.reshape(in)}, t -> t[0].reshape(s), x);
    }

    /**
     * The strides that view elements laid out by {@code shape}/{@code strides} as {@code target} (same count), or
     * null when no strides can (PyTorch's rule: each run of target dimensions must fall within a run of source
     * dimensions that is contiguous in itself).
     */
    static int[] viewStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        if (Shape.numel(shape) == 0 || shape.length == 0) {
            return Shape.strides(target);
        }
        int viewD = target.length - 1;
        int chunkBase = strides[shape.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            if (d == 0 || shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase) {
                while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] == 1)) {
                    out[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= target[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? out : null;
    }

    /** Output dimension i is input dimension dims[i], with its stride (a view). dX = g permuted by the inverse. */
    static Tensor permute(Tensor x, int[] dims) {
        int rank = x.rank();
        if (dims.length != rank) {
            throw new IllegalArgumentException("permute: " + dims.length + " dimensions given for a tensor of rank "
                    + rank + " " + Shape.str(x.shapeRef()));
        }
        int[] order = new int[rank];
        int[] inverse = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int d = Shape.dim("permute", dims[i], rank);
            if (seen[d]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " is not a permutation of 0.."
                        + (rank - 1));
            }
            seen[d] = true;
            order[i] = d;
            inverse[d] = i;
        }
        if (isIdentity(order)) {
            return x;
        }
        int[] in = x.shapeRef();
        int[] strides = x.stridesRef();
        int[] outShape = new int[rank];
        int[] outStrides = new int[rank];
        for (int i = 0; i < rank; i++) {
            outShape[i] = in[order[i]];
            outStrides[i] = strides[order[i]];
        }
        Tensor out = x.view(x.offset(), outShape, outStrides);
        return record("permute", out, (g, needs) -> new Tensor[] {g.permute(inverse)}, t -> t[0].permute(order), x);
    }

    private static boolean isIdentity(int[] order) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** x[..., start:start+length, ...] along dim, a view. dX = g in that range of zeros (see {@link Slice}). */
    static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.dim("narrow", dim, x.rank());
        int[] in = x.shapeRef();
        if (start < 0 || length < 0 || length > in[d] - start) { // not start + length: it can overflow int
            throw new IllegalArgumentException("narrow: range [" + start + ", " + ((long) start + length) + ") is outside "
                    + "dimension " + d + " of size " + in[d] + " in shape " + Shape.str(in));
        }
        if (length == in[d]) {
            return x;
        }
        int[] outShape = in.clone();
        outShape[d] = length;
        int[] strides = x.stridesRef();
        Tensor out = x.view(x.offset() + start * strides[d], outShape, strides);
        return record("narrow", out, new Slice(in, d, start, length, false), t -> narrow(t[0], d, start, length), x);
    }

    /** x[..., index, ...] along dim, that dimension removed, a view. dX = g at that index of zeros. */
    static Tensor select(Tensor x, int dim, int index) {
        int d = Shape.dim("select", dim, x.rank());
        int[] in = x.shapeRef();
        if (index < -in[d] || index >= in[d]) {
            throw new IndexOutOfBoundsException("select: index " + index + " is out of range for dimension " + d
                    + " of size " + in[d] + " in shape " + Shape.str(in) + " (expected " + -in[d] + " to "
                    + (in[d] - 1) + ")");
        }
        int i = index < 0 ? index + in[d] : index;
        int[] strides = x.stridesRef();
        Tensor out = x.view(x.offset() + i * strides[d], without(in, d), without(strides, d));
        return record("select", out, new Slice(in, d, i, 1, true), t -> select(t[0], d, i), x);
    }

    private static int[] without(int[] a, int d) {
        int[] out = new int[a.length - 1];
        System.arraycopy(a, 0, out, 0, d);
        System.arraycopy(a, d + 1, out, d, a.length - d - 1);
        return out;
    }

    /**
     * The backward rule of a slice ({@code narrow}, or {@code select} when {@code dropped}): the input's gradient is
     * g in the slice's range and zero elsewhere. Applied, it is a new zero tensor with g written into that range (a
     * recorded op whose own rule is the slice again, so gradients of gradients work); accumulated, g is added into
     * that range of the engine's buffer for the input, so the gradients of many slices of one tensor (the steps of a
     * sequence, the gates of a fused product) fill one buffer and no full-size tensor is made per slice.
     */
    private static final class Slice implements AccumulatingRule {
        private final int[] inShape;
        private final int dim;
        private final int start;
        private final int length;
        private final boolean dropped;

        Slice(int[] inShape, int dim, int start, int length, boolean dropped) {
            this.inShape = inShape;
            this.dim = dim;
            this.start = start;
            this.length = length;
            this.dropped = dropped;
        }

        @Override
        public Tensor[] apply(Tensor g, boolean[] needs) {
            return new Tensor[] {padSlice(dropped ? g.unsqueeze(dim) : g, inShape, dim, start)};
        }

        @Override
        public boolean accumulateInto(int input, Tensor g, Tensor dest) {
            sliceOf(dest).accumulate(g);
            return true;
        }

        /** The part of a tensor of the input's shape that the slice took (not recorded). */
        private Tensor sliceOf(Tensor t) {
            int[] strides = t.stridesRef();
            int offset = t.offset() + start * strides[dim];
            if (dropped) {
                return t.view(offset, without(inShape, dim), without(strides, dim));
            }
            int[] shape = inShape.clone();
            shape[dim] = length;
            return t.view(offset, shape, strides);
        }
    }

    /**
     * A zero tensor of {@code shape} holding g from index {@code start} along {@code dim} (the adjoint of narrow).
     * dG = its gradient narrowed back.
     */
    static Tensor padSlice(Tensor g, int[] shape, int dim, int start) {
        Tensor out = Tensor.output(g.dtype(), shape);
        int[] strides = out.stridesRef();
        g.copyInto(out.view(start * strides[dim], g.shapeRef(), strides));
        int length = g.shapeRef()[dim];
        return record("padSlice", out, (gg, needs) -> new Tensor[] {gg.narrow(dim, start, length)},
                t -> padSlice(t[0], shape, dim, start), g);
    }

    /** Pieces of {@code size} along dim (the last may be shorter), each a narrow view. */
    static List<Tensor> split(Tensor x, int size, int dim) {
        int d = Shape.dim("split", dim, x.rank());
        int n = x.shapeRef()[d];
        if (size <= 0) {
            throw new IllegalArgumentException("split: the piece size must be positive, got " + size);
        }
        List<Tensor> pieces = new ArrayList<>((n + size - 1) / size);
        for (int start = 0; start < n; start += size) {
            pieces.add(narrow(x, d, start, Math.min(size, n - start)));
        }
        if (n == 0) {
            pieces.add(x);
        }
        return pieces;
    }

    /** ⌈n/chunks⌉-element pieces along dim, as PyTorch's chunk. */
    static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        int d = Shape.dim("chunk", dim, x.rank());
        if (chunks <= 0) {
            throw new IllegalArgumentException("chunk: the number of chunks must be positive, got " + chunks);
        }
        int n = x.shapeRef()[d];
        return split(x, Math.max(1, (n + chunks - 1) / chunks), d);
    }

    /** Every slice along dim, that dimension removed. */
    static List<Tensor> unbind(Tensor x, int dim) {
        int d = Shape.dim("unbind", dim, x.rank());
        int n = x.shapeRef()[d];
        List<Tensor> slices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slices.add(select(x, d, i));
        }
        return slices;
    }

    /** x without its size-1 dimensions (all, or dim alone), a view. dX = g.reshape(x.shape). */
    static Tensor squeeze(Tensor x, int dim, boolean all) {
        int[] in = x.shapeRef();
        int[] strides = x.stridesRef();
        int keep = 0;
        for (int i = 0; i < in.length; i++) {
            keep += in[i] == 1 && (all || i == dim) ? 0 : 1;
        }
        if (keep == in.length) {
            return x;
        }
        int[] shape = new int[keep];
        int[] st = new int[keep];
        for (int i = 0, j = 0; i < in.length; i++) {
            if (!(in[i] == 1 && (all || i == dim))) {
                shape[j] = in[i];
                st[j++] = strides[i];
            }
        }
        Tensor out = x.view(x.offset(), shape, st);
        return record("squeeze", out, (g, needs) -> new Tensor[] {g.reshape(in)}, t -> t[0].reshape(shape), x);
    }

    /** x with a size-1 dimension inserted at dim (0 to rank), a view. dX = g.reshape(x.shape). */
    static Tensor unsqueeze(Tensor x, int dim) {
        int rank = x.rank();
        int d = dim < 0 ? dim + rank + 1 : dim;
        if (d < 0 || d > rank) {
            throw new IllegalArgumentException("unsqueeze: dimension " + dim + " is out of range for rank " + rank
                    + " (expected " + (-rank - 1) + " to " + rank + ")");
        }
        int[] in = x.shapeRef();
        int[] strides = x.stridesRef();
        int[] shape = new int[rank + 1];
        int[] st = new int[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++) {
            if (i == d) {
                shape[i] = 1;
                st[i] = d < rank ? strides[d] * in[d] : 1;
            } else {
                shape[i] = in[j];
                st[i] = strides[j++];
            }
        }
        Shape.validate("unsqueeze", shape);
        Tensor out = x.view(x.offset(), shape, st);
        return record("unsqueeze", out, (g, needs) -> new Tensor[] {g.reshape(in)}, t -> t[0].reshape(shape), x);
    }

    /** Tensors joined along dim. dInput_i = g.narrow(dim, offset_i, size_i). */
    static Tensor concat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("concat: no tensors given");
        }
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        DType dtype = TypePromotion.resultType(inputs);
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = inputs[i].to(dtype);
        }
        Tensor first = inputs[0];
        int rank = first.rank();
        if (rank == 0) {
            throw new IllegalArgumentException("concat: cannot join scalars; reshape them to [1] first");
        }
        int d = Shape.dim("concat", dim, rank);
        int[] outShape = first.shape();
        outShape[d] = 0;
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            int[] s = t.shapeRef();
            boolean fits = s.length == rank;
            for (int j = 0; fits && j < rank; j++) {
                fits = j == d || s[j] == first.shapeRef()[j];
            }
            if (!fits) {
                throw new IllegalArgumentException("concat: tensor " + i + " has shape " + Shape.str(s)
                        + ", which does not match " + Shape.str(first.shapeRef()) + " outside dimension " + d);
            }
            outShape[d] += s[d];
        }
        Tensor out = Tensor.uninitializedOutput(first.dtype(), outShape); // every element is written
        int[] outStrides = out.stridesRef();
        int[] offsets = new int[inputs.length];
        int offset = 0;
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            offsets[i] = offset;
            t.copyInto(out.view(offset * outStrides[d], t.shapeRef(), outStrides));
            offset += t.shapeRef()[d];
        }
        return record("concat", out, (g, needs) -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                grads[i] = needs[i] ? g.narrow(d, offsets[i], inputs[i].shapeRef()[d]) : null;
            }
            return grads;
        }, t -> {
            List<Tensor> parts = new ArrayList<>(inputs.length);
            for (int i = 0; i < inputs.length; i++) {
                parts.add(t[i] != null ? t[i] : Tensor.zeros(inputs[i].dtype(), inputs[i].shapeRef()));
            }
            return concat(parts, d);
        }, inputs);
    }

    /** Tensors of one shape joined along a new dimension {@code dim}; composed from unsqueeze and concat. */
    static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack: no tensors given");
        }
        int[] s = tensors.get(0).shapeRef();
        int d = Shape.dim("stack", dim, s.length + 1);
        List<Tensor> parts = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (!Arrays.equals(t.shapeRef(), s)) {
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shape.str(t.shapeRef())
                        + " and tensor 0 " + Shape.str(s) + "; stack needs equal shapes (cat joins unequal ones)");
            }
            parts.add(t.unsqueeze(d));
        }
        return concat(parts, d);
    }

    /** x with the order of elements reversed along each of {@code dims}. dX = g.flip(dims). */
    static Tensor flip(Tensor x, int[] dims) {
        int[] s = x.shapeRef();
        boolean[] flipped = new boolean[s.length];
        for (int dim : dims) {
            int d = Shape.dim("flip", dim, s.length);
            if (flipped[d]) {
                throw new IllegalArgumentException("flip: dimension " + d + " appears twice in "
                        + Arrays.toString(dims));
            }
            flipped[d] = true;
        }
        double[] v = x.toDoubleArray();
        double[] out = new double[v.length];
        int[] strides = Shape.strides(s);
        for (int i = 0; i < v.length; i++) {
            int source = 0;
            for (int d = 0, rest = i; d < s.length; d++) {
                int c = rest / strides[d];
                rest -= c * strides[d];
                source += (flipped[d] ? s[d] - 1 - c : c) * strides[d];
            }
            out[i] = v[source];
        }
        int[] given = dims.clone();
        return record("flip", fromDoubles(x.dtype(), out, s), (g, needs) -> new Tensor[] {g.flip(given)},
                t -> t[0].flip(given), x);
    }

    /** A new op output (lent by an open workspace) holding {@code values}, rounded to {@code dtype}. */
    static Tensor fromDoubles(DType dtype, double[] values, int[] shape) {
        Tensor out = Tensor.uninitializedOutput(dtype, shape);
        dtype.kernels().fromDoubleArray(values, out.matrix());
        return out;
    }

    /** Rows index[i] of x along dim 0. dX = g's rows added into a zero tensor at the selected rows. */
    static Tensor indexSelect(Tensor x, int[] index) {
        int[] s = x.shapeRef();
        if (s.length == 0) {
            throw new IllegalArgumentException("indexSelect: cannot select rows of a scalar");
        }
        checkIndex("indexSelect", index, s[0]);
        int[] outShape = s.clone();
        outShape[0] = index.length;
        Tensor out = Tensor.output(x.dtype(), outShape);
        int[] idx = Workspace.indices(index.length); // a copy: the caller may change its array later
        System.arraycopy(index, 0, idx, 0, index.length);
        x.dtype().kernels().indexSelectRows(x.contiguousData(), Shape.cols(s), idx, out.matrix());
        return record("indexSelect", out, (g, needs) -> new Tensor[] {indexAdd(g, idx, s[0])},
                t -> indexSelect(t[0], idx), x);
    }

    /** A tensor with {@code rows} rows, zero except that row index[i] accumulates row i of src. dSrc = g.indexSelect(index). */
    static Tensor indexAdd(Tensor src, int[] index, int rows) {
        int[] s = src.shapeRef();
        if (s.length == 0 || s[0] != index.length) {
            throw new IllegalArgumentException("indexAdd: " + index.length + " indices for source " + Shape.str(s));
        }
        checkIndex("indexAdd", index, rows);
        int[] outShape = s.clone();
        outShape[0] = rows;
        Tensor out = Tensor.output(src.dtype(), outShape);
        int[] idx = Workspace.indices(index.length); // a copy: the caller may change its array later
        System.arraycopy(index, 0, idx, 0, index.length);
        src.dtype().kernels().indexAddRows(src.contiguousData(), Shape.cols(s), idx, out.matrix());
        return record("indexAdd", out, (g, needs) -> new Tensor[] {g.indexSelect(idx)},
                t -> indexAdd(t[0], idx, rows), src);
    }

    private static void checkIndex(String op, int[] index, int rows) {
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= rows) {
                throw new IndexOutOfBoundsException(op + ": index " + index[i] + " at position " + i
                        + " is out of range for " + rows + " rows (expected 0 to " + (rows - 1) + ")");
            }
        }
    }

    /** A contiguous copy with its own storage, recorded as {@code op} ("copy" or "contiguous"). dX = g. */
    static Tensor copy(Tensor x, String op) {
        Tensor out = Tensor.uninitializedOutput(x.dtype(), x.shapeRef());
        x.copyInto(out);
        return record(op, out, (g, needs) -> new Tensor[] {g}, t -> copy(t[0], op), x);
    }

    /**
     * x converted to another dtype. dX = g converted back. To int32, as PyTorch: values are truncated toward zero
     * (-2.7 becomes -2); NaN, an infinity or a value outside the int32 range is refused rather than wrapped. To
     * bool: nonzero (NaN included) is true. From int32 or bool to a float dtype: exact into float64, rounded to
     * the nearest float32 above 2^24. Not recorded when the result is int32 or bool (those never require grad).
     */
    static Tensor to(Tensor x, DType target) {
        if (x.dtype() == target) {
            return x;
        }
        Tensor out = Tensor.output(target, x.shapeRef());
        if (target == DType.INT32 || target == DType.BOOL) {
            double[] v = x.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                v[i] = target == DType.BOOL ? (v[i] != 0 ? 1 : 0) : toInt32(x, i, v[i]);
            }
            target.kernels().fromDoubleArray(v, out.matrix());
        } else if (target == DType.FLOAT64) {
            target.kernels().fromDoubleArray(x.toDoubleArray(), out.matrix());
        } else {
            target.kernels().fromFloatArray(x.toFloatArray(), out.matrix());
        }
        DType source = x.dtype();
        return record("to", out, (g, needs) -> new Tensor[] {g.to(source)}, t -> t[0].to(target), x);
    }

    /** v truncated toward zero, or an exception naming the element when it has no int32 value. */
    private static double toInt32(Tensor x, int i, double v) {
        double t = v < 0 ? Math.ceil(v) : Math.floor(v);
        if (!(t >= Integer.MIN_VALUE && t <= Integer.MAX_VALUE)) {
            throw new ArithmeticException("to(int32): element " + i + " of this " + Shape.str(x.shapeRef()) + " "
                    + x.dtype() + " tensor is " + v + ", which has no int32 value (expected a finite value from "
                    + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + "); clamp or mask it first");
        }
        return t;
    }
}
