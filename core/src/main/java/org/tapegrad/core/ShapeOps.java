package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Ops that move elements without computing on them: reshape, permute, narrow, concat, row selection, copies. */
final class ShapeOps {
    private ShapeOps() {
    }

    /** The same storage seen in another shape. dX = g.reshape(x.shape). */
    static Tensor reshape(Tensor x, int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        int known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1 && infer < 0) {
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: invalid shape " + Shape.str(newShape)
                        + " (only one dimension may be -1, none negative otherwise)");
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer the -1 in " + Shape.str(newShape)
                        + " for " + x.numel() + " elements");
            }
            s[infer] = x.numel() / known;
        }
        Shape.validate("reshape", s);
        if (Shape.numel(s) != x.numel()) {
            throw new IllegalArgumentException("reshape: shape " + Shape.str(x.shapeRef()) + " (" + x.numel()
                    + " elements) cannot be viewed as " + Shape.str(s) + " (" + Shape.numel(s) + " elements)");
        }
        if (Arrays.equals(s, x.shapeRef())) {
            return x;
        }
        Tensor out = x.view(s, x.dtype().kernels().wrap(x.data(), Shape.rows(s), Shape.cols(s)));
        return record("reshape", out, (g, needs) -> new Tensor[] {g.reshape(x.shapeRef())}, x);
    }

    /** Output dimension i is input dimension dims[i]. dX = g permuted by the inverse. */
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
        int[] in = x.shapeRef();
        int[] strides = Shape.strides(in);
        int[] outShape = new int[rank];
        int[] gatherStrides = new int[Shape.MAX_RANK];
        for (int i = 0; i < rank; i++) {
            outShape[i] = in[order[i]];
            gatherStrides[Shape.MAX_RANK - rank + i] = strides[order[i]];
        }
        if (isIdentity(order)) {
            return x;
        }
        Tensor out = Tensor.output(x.dtype(), outShape);
        x.dtype().kernels().gatherStrided(x.data(), 0, gatherStrides, out.data(), Shape.pad4(outShape));
        return record("permute", out, (g, needs) -> new Tensor[] {g.permute(inverse)}, x);
    }

    private static boolean isIdentity(int[] order) {
        for (int i = 0; i < order.length; i++) {
            if (order[i] != i) {
                return false;
            }
        }
        return true;
    }

    /** x[..., start:start+length, ...] along dim. dX = g between zeros (a concat, so it is differentiable too). */
    static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.dim("narrow", dim, x.rank());
        int[] in = x.shapeRef();
        if (start < 0 || length < 0 || length > in[d] - start) { // not start + length: it can overflow int
            throw new IllegalArgumentException("narrow: range [" + start + ", " + ((long) start + length) + ") is outside "
                    + "dimension " + d + " of size " + in[d] + " in shape " + Shape.str(in));
        }
        int[] outShape = in.clone();
        outShape[d] = length;
        int[] strides = Shape.strides(in);
        int[] gatherStrides = new int[Shape.MAX_RANK];
        for (int i = 0; i < in.length; i++) {
            gatherStrides[Shape.MAX_RANK - in.length + i] = strides[i];
        }
        Tensor out = Tensor.output(x.dtype(), outShape);
        x.dtype().kernels().gatherStrided(x.data(), start * strides[d], gatherStrides, out.data(), Shape.pad4(outShape));
        return record("narrow", out, (g, needs) -> {
            List<Tensor> parts = new ArrayList<>(3);
            if (start > 0) {
                parts.add(zerosLike(in, d, start, g));
            }
            parts.add(g);
            if (start + length < in[d]) {
                parts.add(zerosLike(in, d, in[d] - start - length, g));
            }
            return new Tensor[] {parts.size() == 1 ? g : Tensor.concat(parts, d)};
        }, x);
    }

    private static Tensor zerosLike(int[] shape, int dim, int size, Tensor like) {
        int[] s = shape.clone();
        s[dim] = size;
        return Tensor.output(like.dtype(), s);
    }

    /** Tensors joined along dim. dInput_i = g.narrow(dim, offset_i, size_i). */
    static Tensor concat(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("concat: no tensors given");
        }
        Tensor first = tensors.get(0);
        int rank = first.rank();
        if (rank == 0) {
            throw new IllegalArgumentException("concat: cannot join scalars; reshape them to [1] first");
        }
        int d = Shape.dim("concat", dim, rank);
        int[] outShape = first.shape();
        outShape[d] = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            first.checkSameDtype("concat", t);
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
        Tensor out = Tensor.output(first.dtype(), outShape);
        int outer = Shape.outer(outShape, d);
        int inner = Shape.inner(outShape, d);
        int[] offsets = new int[tensors.size()];
        int offset = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            int size = t.shapeRef()[d];
            offsets[i] = offset;
            first.dtype().kernels().copyStrips(t.data(), out.data(), outer, size * inner, offset * inner,
                    outShape[d] * inner);
            offset += size;
        }
        Tensor[] inputs = tensors.toArray(new Tensor[0]);
        return record("concat", out, (g, needs) -> {
            Tensor[] grads = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                grads[i] = needs[i] ? g.narrow(d, offsets[i], inputs[i].shapeRef()[d]) : null;
            }
            return grads;
        }, inputs);
    }

    /** Tensors of one shape joined along a new dimension {@code dim}; composed from reshape and concat. */
    static Tensor stack(List<Tensor> tensors, int dim) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("stack: no tensors given");
        }
        int[] s = tensors.get(0).shapeRef();
        int d = Shape.dim("stack", dim, s.length + 1);
        int[] inserted = new int[s.length + 1];
        for (int i = 0, j = 0; i < inserted.length; i++) {
            inserted[i] = i == d ? 1 : s[j++];
        }
        List<Tensor> parts = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (!Arrays.equals(t.shapeRef(), s)) {
                throw new IllegalArgumentException("stack: tensor " + i + " has shape " + Shape.str(t.shapeRef())
                        + " and tensor 0 " + Shape.str(s) + "; stack needs equal shapes (cat joins unequal ones)");
            }
            parts.add(t.reshape(inserted));
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
                throw new IllegalArgumentException("flip: dimension " + d + " appears twice in " + Arrays.toString(dims));
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
        return record("flip", fromDoubles(x.dtype(), out, s), (g, needs) -> new Tensor[] {g.flip(given)}, x);
    }

    /** A new op output (lent by an open workspace) holding {@code values}, rounded to {@code dtype}. */
    static Tensor fromDoubles(DType dtype, double[] values, int[] shape) {
        Tensor out = Tensor.uninitializedOutput(dtype, shape);
        dtype.kernels().fromDoubleArray(values, out.data());
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
        x.dtype().kernels().indexSelectRows(x.data(), Shape.cols(s), idx, out.data());
        return record("indexSelect", out, (g, needs) -> new Tensor[] {indexAdd(g, idx, s[0])}, x);
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
        src.dtype().kernels().indexAddRows(src.data(), Shape.cols(s), idx, out.data());
        return record("indexAdd", out, (g, needs) -> new Tensor[] {g.indexSelect(idx)}, src);
    }

    private static void checkIndex(String op, int[] index, int rows) {
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= rows) {
                throw new IndexOutOfBoundsException(op + ": index " + index[i] + " at position " + i
                        + " is out of range for " + rows + " rows (expected 0 to " + (rows - 1) + ")");
            }
        }
    }

    /** A copy with its own storage. dX = g. */
    static Tensor copy(Tensor x) {
        Tensor out = Tensor.output(x.dtype(), x.shapeRef());
        x.dtype().kernels().copy(x.data(), out.data());
        return record("copy", out, (g, needs) -> new Tensor[] {g}, x);
    }

    /** x converted to another dtype. dX = g converted back. */
    static Tensor to(Tensor x, DType target) {
        if (x.dtype() == target) {
            return x;
        }
        Tensor out = Tensor.output(target, x.shapeRef());
        if (target == DType.FLOAT64) {
            target.kernels().fromDoubleArray(x.toDoubleArray(), out.data());
        } else {
            target.kernels().fromFloatArray(x.toFloatArray(), out.data());
        }
        DType source = x.dtype();
        return record("to", out, (g, needs) -> new Tensor[] {g.to(source)}, x);
    }
}
