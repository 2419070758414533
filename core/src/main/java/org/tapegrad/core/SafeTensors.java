package org.tapegrad.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format, so that weights open in PyTorch and Hugging Face tooling:
 * an 8-byte little-endian header length N, N bytes of JSON header ({@code name: {dtype, shape, data_offsets}},
 * plus string {@code __metadata__}), padded with spaces to a multiple of 8, then the raw little-endian data of
 * every tensor, back to back. Tapegrad reads and writes F32 and F64.
 *
 * <p>Saving is atomic (see {@link #save}). Loading validates everything before building any tensor and never
 * executes anything from the file: a truncated or corrupt file is rejected with a message naming the file and the
 * problem.
 */
public final class SafeTensors {
    /** Hugging Face's limit on the header size; a larger header is taken as corruption. */
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {
    }

    /** Writes {@code state} (tensors, with its values as {@code __metadata__}) to {@code file}, atomically. */
    public static void save(Path file, StateDict state) throws IOException {
        AtomicFile.write(file, out -> write(out, state));
    }

    /** Reads a safetensors file; its {@code __metadata__} becomes the state's values. */
    public static StateDict load(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (OutOfMemoryError e) {
            throw new IOException(file + ": too large to load into memory", e);
        }
        try {
            return read(bytes);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a valid safetensors file: " + e.getMessage(), e);
        }
    }

    static void write(OutputStream out, StateDict state) throws IOException {
        StringBuilder header = new StringBuilder("{");
        if (!state.values().isEmpty()) {
            header.append("\"__metadata__\":{");
            boolean first = true;
            for (Map.Entry<String, String> e : state.values().entrySet()) {
                header.append(first ? "" : ",").append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                first = false;
            }
            header.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : state.tensors().entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("safetensors: invalid tensor name '" + name + "'");
            }
            Tensor t = e.getValue();
            long size = (long) t.numel() * itemSize(t.dtype());
            header.append(header.length() > 1 ? "," : "").append(Json.quote(name)).append(":{\"dtype\":\"")
                    .append(t.dtype() == DType.FLOAT32 ? "F32" : "F64").append("\",\"shape\":")
                    .append(java.util.Arrays.toString(t.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            offset += size;
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        out.write(prefix.array());
        for (Tensor t : state.tensors().values()) {
            ByteBuffer data = ByteBuffer.allocate(t.numel() * itemSize(t.dtype())).order(ByteOrder.LITTLE_ENDIAN);
            Tensor dense = t.isDense() ? t : t.contiguousCopy(); // a view is written as its elements, row-major
            if (t.dtype() == DType.FLOAT32) {
                data.asFloatBuffer().put(dense.float32Matrix().data, 0, t.numel());
            } else {
                data.asDoubleBuffer().put(dense.float64Matrix().data, 0, t.numel());
            }
            out.write(data.array());
        }
    }

    static StateDict read(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException("truncated: " + bytes.length
                    + " bytes, but the file must start with an 8-byte header length");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buf.getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > bytes.length - 8) {
            throw new IllegalArgumentException("header length " + headerLength + " does not fit the file of "
                    + bytes.length + " bytes" + (headerLength > bytes.length - 8 ? " (truncated?)" : ""));
        }
        int dataStart = 8 + (int) headerLength;
        Object parsed = Json.parse(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        if (!(parsed instanceof Map<?, ?> header)) {
            throw new IllegalArgumentException("the header is not a JSON object");
        }
        long dataLength = bytes.length - (long) dataStart;
        Map<String, String> values = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> meta)) {
                    throw new IllegalArgumentException("__metadata__ is not an object");
                }
                for (Map.Entry<?, ?> m : meta.entrySet()) {
                    if (!(m.getValue() instanceof String s)) {
                        throw new IllegalArgumentException("__metadata__ value of '" + m.getKey() + "' is not a string");
                    }
                    values.put((String) m.getKey(), s);
                }
            } else {
                entries.add(entry(name, e.getValue(), dataLength));
            }
        }
        checkCoverage(entries, dataLength);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            ByteBuffer slice = ByteBuffer.wrap(bytes, dataStart + (int) en.begin, (int) (en.end - en.begin))
                    .slice().order(ByteOrder.LITTLE_ENDIAN);
            Tensor t = Tensor.zeros(en.dtype, en.shape);
            if (en.dtype == DType.FLOAT32) {
                slice.asFloatBuffer().get(t.float32Matrix().data, 0, t.numel());
            } else {
                slice.asDoubleBuffer().get(t.float64Matrix().data, 0, t.numel());
            }
            tensors.put(en.name, t);
        }
        return new StateDict(tensors, values);
    }

    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
    }

    private static Entry entry(String name, Object spec, long dataLength) {
        if (!(spec instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("tensor '" + name + "': entry is not an object");
        }
        DType dtype;
        Object d = m.get("dtype");
        if ("F32".equals(d)) {
            dtype = DType.FLOAT32;
        } else if ("F64".equals(d)) {
            dtype = DType.FLOAT64;
        } else {
            throw new IllegalArgumentException("tensor '" + name + "': dtype " + d
                    + " is not supported (Tapegrad reads F32 and F64)");
        }
        if (!(m.get("shape") instanceof List<?> s) || s.size() > Shape.MAX_RANK) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + m.get("shape")
                    + " is not a list of at most " + Shape.MAX_RANK + " dimensions");
        }
        int[] shape = new int[s.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(s.get(i) instanceof Long dim) || dim < 0 || dim > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor '" + name + "': bad dimension " + s.get(i));
            }
            shape[i] = (int) (long) dim;
            numel *= dim;
        }
        if (!(m.get("data_offsets") instanceof List<?> o) || o.size() != 2
                || !(o.get(0) instanceof Long begin) || !(o.get(1) instanceof Long end)) {
            throw new IllegalArgumentException("tensor '" + name + "': data_offsets " + m.get("data_offsets")
                    + " is not a pair of integers");
        }
        if (begin < 0 || end < begin || end > dataLength) {
            throw new IllegalArgumentException("tensor '" + name + "': data_offsets [" + begin + ", " + end
                    + "] fall outside the " + dataLength + " data bytes (truncated?)");
        }
        if (end - begin != numel * itemSize(dtype)) {
            throw new IllegalArgumentException("tensor '" + name + "': " + (end - begin) + " bytes for shape "
                    + Shape.str(shape) + " " + d + ", which needs " + numel * itemSize(dtype));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** The tensors' byte ranges must tile the data section exactly: no gap, no overlap, nothing left over. */
    private static void checkCoverage(List<Entry> entries, long dataLength) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> Long.compare(a.begin, b.begin));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin != at) {
                throw new IllegalArgumentException("tensor '" + e.name + "' starts at byte " + e.begin + " of the data, "
                        + (e.begin < at ? "overlapping the previous tensor" : "leaving a gap after byte " + at));
            }
            at = e.end;
        }
        if (at != dataLength) {
            throw new IllegalArgumentException("the tensors cover " + at + " data bytes, but the file holds "
                    + dataLength);
        }
    }

    private static int itemSize(DType dtype) {
        return dtype == DType.FLOAT32 ? 4 : 8;
    }
}
