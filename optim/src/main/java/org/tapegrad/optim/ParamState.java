package org.tapegrad.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The per-parameter state of an optimizer: the number of steps taken and named buffers of the parameter's size
 * (e.g. Adam's {@code exp_avg}, {@code exp_avg_sq}), kept as {@code double[]} whatever the parameter's dtype.
 * Created on the parameter's first step; the names are the keys of the checkpoint ({@code state.3.exp_avg}).
 */
final class ParamState {
    /** Steps taken on this parameter; the optimizer increments it before each update, so the first update sees 1. */
    long step;
    /** Cached view of the parameter's storage (its storage never changes), so a step allocates no view for it. */
    ArrayView param;
    private final Map<String, double[]> buffers = new LinkedHashMap<>();

    /** A state with the given buffers, each of {@code numel} elements filled with {@code initialValue}. */
    static ParamState withBuffers(int numel, double initialValue, String... names) {
        ParamState s = new ParamState();
        for (String name : names) {
            double[] b = new double[numel];
            if (initialValue != 0) {
                java.util.Arrays.fill(b, initialValue);
            }
            s.buffers.put(name, b);
        }
        return s;
    }

    /** The buffer named {@code name} (shared, not copied). */
    double[] buffer(String name) {
        double[] b = buffers.get(name);
        if (b == null) {
            throw new IllegalStateException("optimizer state has no buffer '" + name + "' (has " + buffers.keySet() + ")");
        }
        return b;
    }

    /** All buffers by name, in creation order (unmodifiable view of live arrays). */
    Map<String, double[]> buffers() {
        return Collections.unmodifiableMap(buffers);
    }
}
