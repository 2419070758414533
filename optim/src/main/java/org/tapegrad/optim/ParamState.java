package org.tapegrad.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tapegrad.core.DType;

/**
 * The per-parameter state of an optimizer: the number of steps taken and named buffers of the parameter's size and
 * dtype (e.g. Adam's {@code exp_avg}, {@code exp_avg_sq}): {@code float[]} for a float32 parameter, {@code double[]}
 * for a float64 one, as PyTorch's {@code zeros_like(param)}. Created on the parameter's first step; the names are
 * the keys of the checkpoint ({@code state.3.exp_avg}).
 */
final class ParamState {
    /** Steps taken on this parameter; the optimizer increments it before each update, so the first update sees 1. */
    long step;
    /** Cached view of the parameter's storage (its storage never changes), so a step allocates no view for it. */
    ArrayView param;
    private final Map<String, ArrayView> buffers = new LinkedHashMap<>();

    /** A state with the given buffers of {@code dtype}, each of {@code numel} elements set to {@code initialValue}. */
    static ParamState withBuffers(DType dtype, int numel, double initialValue, String... names) {
        ParamState s = new ParamState();
        for (String name : names) {
            ArrayView b = dtype == DType.FLOAT32 ? ArrayView.of(new float[numel]) : ArrayView.of(new double[numel]);
            if (initialValue != 0) {
                for (int i = 0; i < numel; i++) {
                    b.set(i, initialValue);
                }
            }
            s.buffers.put(name, b);
        }
        return s;
    }

    /** The buffer named {@code name} of a float64 parameter (shared, not copied). */
    double[] float64(String name) {
        return ((ArrayView.F64) buffer(name)).a();
    }

    /** The buffer named {@code name} of a float32 parameter (shared, not copied). */
    float[] float32(String name) {
        return ((ArrayView.F32) buffer(name)).a();
    }

    private ArrayView buffer(String name) {
        ArrayView b = buffers.get(name);
        if (b == null) {
            throw new IllegalStateException("optimizer state has no buffer '" + name + "' (has " + buffers.keySet() + ")");
        }
        return b;
    }

    /** All buffers by name, in creation order (unmodifiable map of views of the live arrays). */
    Map<String, ArrayView> buffers() {
        return Collections.unmodifiableMap(buffers);
    }
}
