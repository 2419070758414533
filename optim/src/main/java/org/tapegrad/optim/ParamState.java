package org.tapegrad.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tapegrad.core.DType;

/**
 * The per-parameter state of an optimizer: the number of steps taken and named buffers of the parameter's size and
 * dtype (e.g. Adam's {@code exp_avg}, {@code exp_avg_sq}): {@code float[]} for a float32 parameter, {@code double[]}
 * for a float64 one, as PyTorch's {@code zeros_like(param)}. Created on the parameter's first step; the names are
 * the keys of the checkpoint ({@code state.3.exp_avg}), saved and restored by {@link Optimizer#stateDict()} and
 * {@link Optimizer#loadStateDict} without further code in the optimizer.
 *
 * <p>An optimizer of one's own creates its state in {@link Optimizer#newState} with
 * {@link #withBuffers(DType, int, double, String...)} and reads the buffers back in its update by name.
 */
public final class ParamState {
    /** Steps taken on this parameter; the optimizer increments it before each update, so the first update sees 1. */
    long step;
    /** Cached view of the parameter's storage (its storage never changes), so a step allocates no view for it. */
    ArrayView param;
    private final Map<String, ArrayView> buffers = new LinkedHashMap<>();

    /**
     * A state with the given buffers of {@code dtype}, each of {@code numel} elements set to {@code initialValue}.
     *
     * @param dtype the parameter's dtype (the buffers are {@code float[]} for float32, {@code double[]} for float64)
     * @param names the buffer names, also their checkpoint keys: non-empty, without dots, no repeats
     */
    public static ParamState withBuffers(DType dtype, int numel, double initialValue, String... names) {
        java.util.Objects.requireNonNull(dtype, "dtype");
        if (numel < 0) {
            throw new IllegalArgumentException("withBuffers: numel must be >= 0, got " + numel);
        }
        ParamState s = new ParamState();
        for (String name : names) {
            if (name == null || name.isEmpty() || name.contains(".") || s.buffers.containsKey(name)) {
                throw new IllegalArgumentException("withBuffers: buffer names must be non-empty, without dots and "
                        + "distinct; got " + java.util.Arrays.toString(names));
            }
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

    /** The number of steps taken on the parameter, counting the one being applied (1 in the first update). */
    public long step() {
        return step;
    }

    /** The buffer named {@code name} of a float64 parameter (shared, not copied). */
    public double[] float64(String name) {
        return ((ArrayView.F64) buffer(name)).a();
    }

    /** The buffer named {@code name} of a float32 parameter (shared, not copied). */
    public float[] float32(String name) {
        return ((ArrayView.F32) buffer(name)).a();
    }

    /** The buffer named {@code name}, of either dtype, as a view (shared, not copied). */
    public ArrayView buffer(String name) {
        ArrayView b = buffers.get(name);
        if (b == null) {
            throw new IllegalStateException("optimizer state has no buffer '" + name + "' (has " + buffers.keySet() + ")");
        }
        return b;
    }

    /** All buffers by name, in creation order (unmodifiable map of views of the live arrays). */
    public Map<String, ArrayView> buffers() {
        return Collections.unmodifiableMap(buffers);
    }
}
