package org.tapegrad.core.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.tapegrad.core.Tensor;

/**
 * Everything needed to resume training, in one safetensors file: named parts (the model's, the optimizer's and
 * the schedule's {@link StateDict}) and user metadata (epoch, step, metrics).
 *
 * <pre>{@code
 * new Checkpoint(Map.of("model", model.stateDict(), "optimizer", optimizer.stateDict()),
 *         Map.of("epoch", "3")).save(Path.of("run.safetensors"));
 * Checkpoint c = Checkpoint.load(Path.of("run.safetensors"));
 * model.loadStateDict(c.part("model"), true);
 * optimizer.loadStateDict(c.part("optimizer"));
 * }</pre>
 *
 * <p>In the file, a part's tensors are named {@code part.name} (so {@code model.layers.0.weight} opens in any
 * safetensors reader), its values and the metadata go to {@code __metadata__} as {@code part.name} and
 * {@code meta.key}. Saving is atomic: an interrupted save leaves the previous file intact.
 *
 * @param parts    state by part name (no dots in part names)
 * @param metadata user metadata
 */
public record Checkpoint(Map<String, StateDict> parts, Map<String, String> metadata) {
    private static final String FORMAT_KEY = "format";
    private static final String FORMAT = "tapegrad-checkpoint/1";
    private static final String META = "meta";

    public Checkpoint {
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(parts, "parts")));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(metadata, "metadata")));
        for (String name : parts.keySet()) {
            if (name.isEmpty() || name.contains(".") || name.equals(META) || name.equals(FORMAT_KEY)) {
                throw new IllegalArgumentException("Checkpoint: invalid part name '" + name
                        + "' (non-empty, no dots, not 'meta' or 'format')");
            }
        }
    }

    /** The part named {@code name}, or an exception listing the parts the checkpoint has. */
    public StateDict part(String name) {
        StateDict s = parts.get(name);
        if (s == null) {
            throw new IllegalArgumentException("Checkpoint: no part '" + name + "' (has " + parts.keySet() + ")");
        }
        return s;
    }

    /** Writes this checkpoint to {@code file} atomically. */
    public void save(Path file) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> values = new LinkedHashMap<>();
        values.put(FORMAT_KEY, FORMAT);
        parts.forEach((name, state) -> {
            StateDict prefixed = state.withPrefix(name + ".");
            tensors.putAll(prefixed.tensors());
            values.putAll(prefixed.values());
        });
        metadata.forEach((k, v) -> values.put(META + "." + k, v));
        SafeTensors.save(file, new StateDict(tensors, values));
    }

    /** Reads a checkpoint written by {@link #save}; a truncated, corrupt or foreign file is rejected. */
    public static Checkpoint load(Path file) throws IOException {
        StateDict all = SafeTensors.load(file);
        try {
            return split(file, all);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static Checkpoint split(Path file, StateDict all) throws IOException {
        if (!FORMAT.equals(all.values().get(FORMAT_KEY))) {
            throw new IOException(file + ": not a Tapegrad checkpoint (its metadata has no format '" + FORMAT
                    + "'); a plain safetensors file loads with SafeTensors.load");
        }
        Map<String, Map<String, Tensor>> tensors = new LinkedHashMap<>();
        Map<String, Map<String, String>> values = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        all.tensors().forEach((k, v) -> tensors.computeIfAbsent(partOf(file, k), p -> new LinkedHashMap<>())
                .put(k.substring(k.indexOf('.') + 1), v));
        for (Map.Entry<String, String> e : all.values().entrySet()) {
            String k = e.getKey();
            if (k.equals(FORMAT_KEY)) {
                continue;
            }
            String part = partOf(file, k);
            String rest = k.substring(k.indexOf('.') + 1);
            if (part.equals(META)) {
                metadata.put(rest, e.getValue());
            } else {
                values.computeIfAbsent(part, p -> new LinkedHashMap<>()).put(rest, e.getValue());
            }
        }
        Map<String, StateDict> parts = new LinkedHashMap<>();
        for (String p : tensors.keySet()) {
            parts.put(p, new StateDict(tensors.get(p), values.getOrDefault(p, Map.of())));
        }
        for (String p : values.keySet()) {
            parts.putIfAbsent(p, new StateDict(Map.of(), values.get(p)));
        }
        return new Checkpoint(parts, metadata);
    }

    private static String partOf(Path file, String key) {
        int dot = key.indexOf('.');
        if (dot <= 0) {
            throw new IllegalArgumentException(file + ": entry '" + key + "' does not belong to any part");
        }
        return key.substring(0, dot);
    }
}
