package org.tapegrad.nn.monitor;

import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * Reads the entries of a tensor's storage without copying it, for float32 and float64 alike: one loop serves both
 * dtypes through {@link #get}, so no statistic is written twice ({@link JavaStatsKernel}); the Vector API kernel
 * reads the float32 array directly.
 */
final class Entries {
    /** The storage: exactly one of the two is non-null. */
    final float[] floats;
    final double[] doubles;
    final int size;

    Entries(Tensor t) {
        if (t.dtype() == DType.FLOAT32) {
            floats = t.float32Matrix().data;
            doubles = null;
        } else {
            floats = null;
            doubles = t.float64Matrix().data;
        }
        size = t.numel(); // the EJML array may be longer than the tensor
    }

    private Entries(float[] floats, double[] doubles, int size) {
        this.floats = floats;
        this.doubles = doubles;
        this.size = size;
    }

    /** A copy of the entries of {@code t} in its own dtype (float32 stays float32: half the memory of doubles). */
    static Entries copyOf(Tensor t) {
        return copyOf(t, null);
    }

    /**
     * A copy of the entries of {@code t}, written into {@code reuse} when it has the same dtype and size (snapshots
     * of large parameters are then not reallocated at every sampled step).
     */
    static Entries copyOf(Tensor t, Entries reuse) {
        Entries e = new Entries(t);
        boolean fits = reuse != null && reuse.size == e.size && (reuse.floats != null) == (e.floats != null);
        Entries into = fits ? reuse : new Entries(e.floats == null ? null : new float[e.size],
                e.doubles == null ? null : new double[e.size], e.size);
        if (e.floats != null) {
            System.arraycopy(e.floats, 0, into.floats, 0, e.size);
        } else {
            System.arraycopy(e.doubles, 0, into.doubles, 0, e.size);
        }
        return into;
    }

    double get(int i) {
        return floats != null ? floats[i] : doubles[i];
    }
}
