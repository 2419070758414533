package org.tapegrad.optim;

import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * The raw values of a tensor seen as doubles, so that each update rule is written once for both dtypes. There are
 * exactly two implementations: one over a {@code float[]} (reads widen to double, writes round to float) and one
 * over a {@code double[]}. Both share the tensor's storage, so {@link #set} changes the tensor in place without
 * going through autograd.
 *
 * <p>The update loops call only {@link #get} and {@link #set}; with two implementations the JIT inlines both.
 */
public sealed interface ArrayView permits ArrayView.F32, ArrayView.F64 {

    /** Number of elements. */
    int size();

    double get(int i);

    void set(int i, double v);

    /**
     * A view of {@code t}'s storage (shared, not copied), as its dtype says. Writing through it changes the tensor
     * without advancing its version counter, as writing into {@link Tensor#float32Matrix()} does: call
     * {@link Tensor#markModified()} afterwards (an optimizer's step does so for its parameters).
     */
    static ArrayView of(Tensor t) {
        // size is numel, not data.length: an EJML array may be longer than the matrix it holds.
        return t.dtype() == DType.FLOAT32
                ? new F32(t.float32Matrix().data, t.numel())
                : new F64(t.float64Matrix().data, t.numel());
    }

    /** A view of the whole array. */
    static ArrayView of(float[] a) {
        return new F32(a, a.length);
    }

    /** A view of the whole array. */
    static ArrayView of(double[] a) {
        return new F64(a, a.length);
    }

    /** Over float32 storage: values widen to double on read and round to the nearest float on write. */
    record F32(float[] a, int size) implements ArrayView {
        @Override
        public double get(int i) {
            return a[i];
        }

        @Override
        public void set(int i, double v) {
            a[i] = (float) v;
        }
    }

    /** Over float64 storage. */
    record F64(double[] a, int size) implements ArrayView {
        @Override
        public double get(int i) {
            return a[i];
        }

        @Override
        public void set(int i, double v) {
            a[i] = v;
        }
    }
}
