package org.tapegrad.monitor;

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
        if (!t.isContiguous() || t.storageOffset() != 0) { // a view (a step of a sequence, a gate): its entries, copied without history
            t = t.detach().contiguous();
        }
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

    /**
     * Storage for a copy of the entries of {@code t} in its own dtype (float32 stays float32: half the memory of
     * doubles): {@code reuse} when it has that dtype and size (snapshots of large parameters are then not
     * reallocated at every sampled step), else a new array.
     */
    static Entries bufferFor(Tensor t, Entries reuse) {
        int size = t.numel();
        boolean floats = t.dtype() == DType.FLOAT32;
        if (reuse != null && reuse.size == size && (reuse.floats != null) == floats) {
            return reuse;
        }
        return floats ? new Entries(new float[size], null, size) : new Entries(null, new double[size], size);
    }

    /** Copies these entries into {@code into} (same dtype and size; modified). */
    void copyTo(Entries into) {
        if (floats != null) {
            System.arraycopy(floats, 0, into.floats, 0, size);
        } else {
            System.arraycopy(doubles, 0, into.doubles, 0, size);
        }
    }

    double get(int i) {
        return floats != null ? floats[i] : doubles[i];
    }
}
