package org.tapegrad.core.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tapegrad.core.DType;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

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
    static final long MAX_HEADER = 100L << 20;
    /** Bytes moved between a tensor and the file at a time, so that no tensor needs a byte copy of itself. */
    static final int CHUNK = 1 << 20;

    private SafeTensors() {
    }

    /**
     * Writes {@code state} (tensors, with its values as {@code __metadata__}) to {@code file}, atomically. The
     * header lists tensors and metadata sorted by name (the data follows in that order), so the same state always
     * gives the same bytes. What {@link #load} would refuse is refused here, before anything is written: a tensor
     * named "" or {@code __metadata__}, a name or value that is not valid UTF-16 (an unpaired surrogate, which
     * UTF-8 cannot encode), a header over the format's 100 MiB limit.
     */
    public static void save(Path file, StateDict state) throws IOException {
        byte[] prefix = header(state, MAX_HEADER); // refused before the file is touched
        AtomicFile.write(file, out -> write(out, prefix, state, CHUNK));
    }

    /**
     * Reads a safetensors file; its {@code __metadata__} becomes the state's values. The header is read and
     * checked first (its length, the data offsets against the file size), then each tensor is read from the file
     * straight into its storage, in chunks, so a file is never held in memory twice and its size is not limited
     * by Java's 2 GiB array size (only each tensor is, by a tensor's {@code int} element count).
     */
    public static StateDict load(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel, CHUNK);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a valid safetensors file: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new IOException(file + ": its tensors do not fit in this JVM's memory (-Xmx)", e);
        }
    }

    static void write(OutputStream out, StateDict state) throws IOException {
        write(out, header(state, MAX_HEADER), state, CHUNK);
    }

    /** The 8-byte length and the padded JSON header of {@code state}, refused if longer than {@code maxHeader}. */
    static byte[] header(StateDict state, long maxHeader) {
        StringBuilder header = new StringBuilder("{");
        Map<String, String> values = new TreeMap<>(state.values());
        if (!values.isEmpty()) {
            header.append("\"__metadata__\":{");
            boolean first = true;
            for (Map.Entry<String, String> e : values.entrySet()) {
                checkText("metadata key", e.getKey());
                checkText("metadata value of '" + e.getKey() + "'", e.getValue());
                header.append(first ? "" : ",").append(Json.quote(e.getKey())).append(':').append(Json.quote(e.getValue()));
                first = false;
            }
            header.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted(state).entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("safetensors: invalid tensor name '" + name + "'");
            }
            checkText("tensor name", name);
            Tensor t = e.getValue();
            long size = (long) t.numel() * itemSize(formatOf(t.dtype()));
            header.append(header.length() > 1 ? "," : "").append(Json.quote(name)).append(":{\"dtype\":\"")
                    .append(formatOf(t.dtype())).append("\",\"shape\":")
                    .append(java.util.Arrays.toString(t.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            offset += size;
            if (header.length() > maxHeader) { // a UTF-8 byte per char at least: stop before building more
                break;
            }
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        long padded = (json.length + 7L) / 8 * 8;
        if (padded > maxHeader) {
            throw new IllegalArgumentException("safetensors: the header of " + state.tensors().size() + " tensors and "
                    + values.size() + " metadata values needs " + (json.length > maxHeader ? "more than " + maxHeader
                    : padded) + " bytes, over the format's limit of " + maxHeader + " (readers refuse such a file)");
        }
        ByteBuffer prefix = ByteBuffer.allocate(8 + (int) padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(json);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        return prefix.array();
    }

    /** The header, then each tensor's data in the header's order, {@code chunk} bytes at a time. */
    static void write(OutputStream out, byte[] header, StateDict state, int chunk) throws IOException {
        out.write(header);
        ByteBuffer buf = ByteBuffer.allocate(chunk - chunk % 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor view : sorted(state).values()) {
            Tensor t;
            try (Scope unrecorded = Tape.noGrad()) {
                t = view.contiguous(); // a view is written as its elements, row-major
            }
            int item = itemSize(formatOf(t.dtype()));
            int per = buf.capacity() / item;
            double[] exact = t.dtype().isFloatingPoint() ? null : t.toDoubleArray(); // int32 and bool values
            for (int done = 0, n = t.numel(); done < n; done += per) {
                int count = Math.min(per, n - done);
                buf.clear();
                if (t.dtype() == DType.FLOAT32) {
                    buf.asFloatBuffer().put(t.float32Matrix().data, done, count);
                } else if (t.dtype() == DType.FLOAT64) {
                    buf.asDoubleBuffer().put(t.float64Matrix().data, done, count);
                } else {
                    for (int i = done; i < done + count; i++) {
                        if (t.dtype() == DType.INT32) {
                            buf.putInt((int) exact[i]);
                        } else {
                            buf.put((byte) (exact[i] != 0 ? 1 : 0));
                        }
                    }
                }
                out.write(buf.array(), 0, count * item);
            }
        }
    }

    private static Map<String, Tensor> sorted(StateDict state) {
        return new TreeMap<>(state.tensors());
    }

    /** Refuses a string with an unpaired surrogate: UTF-8 cannot encode it (it would be written as '?'). */
    private static void checkText(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("safetensors: " + what + " " + Json.quote(s)
                        + " is not valid UTF-16: an unpaired surrogate U+" + String.format("%04X", (int) c)
                        + " at index " + i + " (UTF-8, the header's encoding, cannot hold it)");
            }
        }
    }

    /** Reads a whole safetensors file from {@code channel}, moving at most {@code chunk} bytes at a time. */
    static StateDict read(FileChannel channel, int chunk) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw new IllegalArgumentException("truncated: " + fileSize
                    + " bytes, but the file must start with an 8-byte header length");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, 0, lengthBytes);
        long headerLength = lengthBytes.getLong(0);
        if (headerLength <= 0 || headerLength > MAX_HEADER || headerLength > fileSize - 8) {
            throw new IllegalArgumentException("header length " + headerLength + " does not fit the file of "
                    + fileSize + " bytes" + (headerLength > fileSize - 8 ? " (truncated?)" : "")
                    + (headerLength > MAX_HEADER ? " (the format's limit is " + MAX_HEADER + ")" : ""));
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, 8, headerBytes);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(headerBytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the header is not valid UTF-8");
        }
        Object parsed = Json.parse(text);
        if (!(parsed instanceof Map<?, ?> header)) {
            throw new IllegalArgumentException("the header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataLength = fileSize - dataStart;
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
        ByteBuffer buf = ByteBuffer.allocate(Math.max(8, chunk - chunk % 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry en : entries) {
            Tensor t = Tensor.zeros(en.dtype, en.shape);
            readValues(channel, dataStart + en.begin, t, en.format, en.name, buf);
            tensors.put(en.name, t);
        }
        return new StateDict(tensors, values);
    }

    /**
     * Fills {@code into} (all its elements) with the little-endian values at byte {@code position} of the file,
     * {@code buf.capacity()} bytes at a time (a multiple of 8).
     */
    static void readValues(FileChannel channel, long position, Tensor into, ByteBuffer buf) throws IOException {
        readValues(channel, position, into, formatOf(into.dtype()), "", buf);
    }

    /**
     * {@link #readValues(FileChannel, long, Tensor, ByteBuffer)} of values stored as {@code format}: F32 and F64
     * straight into float storage; I32, I64 and BOOL through exact doubles, an I64 outside the int32 range and a
     * BOOL byte other than 0 or 1 refused with the tensor's name and the value.
     */
    private static void readValues(FileChannel channel, long position, Tensor into, String format, String name,
            ByteBuffer buf) throws IOException {
        int item = itemSize(format);
        int per = buf.capacity() / item;
        long at = position;
        double[] exact = into.dtype().isFloatingPoint() ? null : new double[into.numel()];
        for (int done = 0, n = into.numel(); done < n; done += per) {
            int count = Math.min(per, n - done);
            buf.clear().limit(count * item);
            readFully(channel, at, buf);
            buf.flip();
            switch (format) {
                case "F32" -> buf.asFloatBuffer().get(into.float32Matrix().data, done, count);
                case "F64" -> buf.asDoubleBuffer().get(into.float64Matrix().data, done, count);
                default -> {
                    for (int i = done; i < done + count; i++) {
                        exact[i] = integer(format, name, i, buf);
                    }
                }
            }
            at += (long) count * item;
        }
        if (exact != null) {
            into.copyFrom(Tensor.of(DType.FLOAT64, exact, into.shape()));
        }
    }

    /** The next integer value of {@code format} in {@code buf}, checked to fit the tensor it goes into. */
    private static double integer(String format, String name, int i, ByteBuffer buf) {
        long v = switch (format) {
            case "I32" -> buf.getInt();
            case "I64" -> buf.getLong();
            default -> buf.get(); // BOOL
        };
        if (format.equals("I64") && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("tensor '" + name + "': I64 value " + v + " at element " + i
                    + " does not fit int32 (" + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE + "), the integer "
                    + "dtype Tapegrad reads I64 into");
        }
        if (format.equals("BOOL") && v != 0 && v != 1) {
            throw new IllegalArgumentException("tensor '" + name + "': BOOL byte " + v + " at element " + i
                    + " is neither 0 nor 1");
        }
        return v;
    }

    /** Reads until {@code buf} is full, from byte {@code position} on. */
    private static void readFully(FileChannel channel, long position, ByteBuffer buf) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, at);
            if (n < 0) {
                throw new EOFException("the file ended at byte " + at + " while reading (did it change?)");
            }
            at += n;
        }
    }

    /** One tensor of the header; {@code format} is its safetensors dtype (I64 is read into int32). */
    private record Entry(String name, String format, DType dtype, int[] shape, long begin, long end) {
    }

    private static Entry entry(String name, Object spec, long dataLength) {
        if (!(spec instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("tensor '" + name + "': entry is not an object");
        }
        Object d = m.get("dtype");
        DType dtype = d instanceof String f ? switch (f) {
            case "F32" -> DType.FLOAT32;
            case "F64" -> DType.FLOAT64;
            case "I32", "I64" -> DType.INT32;
            case "BOOL" -> DType.BOOL;
            default -> null;
        } : null;
        if (dtype == null) {
            throw new IllegalArgumentException("tensor '" + name + "': dtype " + d
                    + " is not supported (Tapegrad reads F32, F64, I32, I64 into int32, and BOOL)");
        }
        String format = (String) d;
        if (!(m.get("shape") instanceof List<?> s) || s.size() > Tensor.MAX_RANK) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + m.get("shape")
                    + " is not a list of at most " + Tensor.MAX_RANK + " dimensions");
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
        if (end - begin != numel * itemSize(format)) {
            throw new IllegalArgumentException("tensor '" + name + "': " + (end - begin) + " bytes for shape "
                    + Arrays.toString(shape) + " " + d + ", which needs " + numel * itemSize(format));
        }
        return new Entry(name, format, dtype, shape, begin, end);
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

    /** The safetensors dtype a tensor of {@code dtype} is written as. */
    private static String formatOf(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case INT32 -> "I32";
            case BOOL -> "BOOL";
        };
    }

    /** Bytes per element of a safetensors dtype. */
    private static int itemSize(String format) {
        return switch (format) {
            case "F64", "I64" -> 8;
            case "BOOL" -> 1;
            default -> 4; // F32, I32
        };
    }
}
