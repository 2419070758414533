package org.tapegrad.core.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.tapegrad.core.Tensor;

/**
 * The saved state of something that trains (a model, an optimizer, a schedule): named tensors plus named scalar
 * values as strings. Both maps keep insertion order. This is what a checkpoint file holds, in the safetensors
 * layout: the tensors as tensors, the values in the header's {@code __metadata__}.
 *
 * @param tensors named tensors (parameters, buffers, optimizer moments); not copied
 * @param values  named scalars and settings (step counts, learning rates), as strings
 */
public record StateDict(Map<String, Tensor> tensors, Map<String, String> values) {
    public StateDict {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tensors, "tensors")));
        values = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(values, "values")));
    }

    /** A state of tensors only (a model's parameters and buffers). */
    public static StateDict ofTensors(Map<String, Tensor> tensors) {
        return new StateDict(tensors, Map.of());
    }

    /** This state with every name prefixed by {@code prefix} (e.g. "optimizer."). */
    public StateDict withPrefix(String prefix) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        tensors.forEach((k, v) -> t.put(prefix + k, v));
        Map<String, String> s = new LinkedHashMap<>();
        values.forEach((k, v) -> s.put(prefix + k, v));
        return new StateDict(t, s);
    }

    /** The entries whose names start with {@code prefix}, with the prefix removed. */
    public StateDict select(String prefix) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                t.put(k.substring(prefix.length()), v);
            }
        });
        Map<String, String> s = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                s.put(k.substring(prefix.length()), v);
            }
        });
        return new StateDict(t, s);
    }

    /** The value named {@code name}, or an exception naming what is missing. */
    public String value(String name) {
        String v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("state has no value '" + name + "' (has " + values.keySet() + ")");
        }
        return v;
    }

    /** The tensor named {@code name}, or an exception naming what is missing. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("state has no tensor '" + name + "' (has " + tensors.keySet() + ")");
        }
        return t;
    }
}
