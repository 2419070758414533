package org.tapegrad.monitor;

import org.tapegrad.core.DType;
import org.tapegrad.core.Ranges;
import org.tapegrad.core.Tensor;

/**
 * Reads the entries of a tensor's storage without copying it, for float32 and float64 alike: one loop serves both
 * dtypes through {@link #get}, so no statistic is written twice ({@link JavaStatsKernel}); the Vector API kernel
 * reads the float32 array directly. Copies go through {@link Ranges}, so they too are written once.
 */
final class Entries {
    /** The entries: a tensor laid out contiguously from offset 0, so that its EJML array holds exactly them. */
    private final Tensor tensor;
    /** The float32 storage, read directly by the Vector API kernel; null for float64. */
    final float[] floats;
    /** The float64 storage; null for float32. */
    final double[] doubles;
    final int size;

    Entries(Tensor t) {
        if (!t.isContiguous() || t.storageOffset() != 0) { // a view (a step of a sequence, a gate): its entries, copied without history
            t = t.detach().contiguous();
        }
        tensor = t;
        floats = t.dtype() == DType.FLOAT32 ? t.float32Matrix().data : null;
        doubles = floats == null ? t.float64Matrix().data : null;
        size = t.numel(); // the EJML array may be longer than the tensor
    }

    /**
     * Storage for a copy of the entries of {@code t} in its own dtype (float32 stays float32: half the memory of
     * doubles): {@code reuse} when it has that dtype and size (snapshots of large parameters are then not
     * reallocated at every sampled step), else a new heap tensor (never lent by a workspace step: it outlives it).
     */
    static Entries bufferFor(Tensor t, Entries reuse) {
        int size = t.numel();
        if (reuse != null && reuse.size == size && reuse.tensor.dtype() == t.dtype()) {
            return reuse;
        }
        return new Entries(Tensor.zeros(t.dtype(), size));
    }

    /** Copies these entries into {@code into} (same dtype and size; modified). */
    void copyTo(Entries into) {
        Ranges.copy(tensor, into.tensor, 0);
    }

    /** Entry i; the one place the two dtypes part ways, since a loop over both must read one array or the other. */
    double get(int i) {
        return floats != null ? floats[i] : doubles[i];
    }
}
