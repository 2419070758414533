package org.tapegrad.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

class SafeTensorsTest {
    @TempDir
    Path dir;

    private static StateDict sample() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("a", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        t.put("b", Tensor.of(DType.FLOAT64, new double[] {-1.5, 1e-300}, 2));
        return new StateDict(t, Map.of("epoch", "3"));
    }

    @Test
    void writtenFileHasTheExactLayoutOfTheFormat() throws IOException {
        Path file = dir.resolve("w.safetensors");
        SafeTensors.save(file, sample());
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong();
        assertEquals(0, n % 8, "header padded to a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        String json = "{\"__metadata__\":{\"epoch\":\"3\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"b\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[24,40]}}";
        assertEquals(json, header.stripTrailing());
        assertTrue(header.substring(json.length()).chars().allMatch(c -> c == ' '), "padding is spaces");
        assertEquals(8 + n + 24 + 16, bytes.length);
        buf.position(8 + (int) n);
        for (float v = 1; v <= 6; v++) {
            assertEquals(v, buf.getFloat(), 0);
        }
        assertEquals(-1.5, buf.getDouble(), 0);
        assertEquals(1e-300, buf.getDouble(), 0);
    }

    @Test
    void aHandBuiltFileIsReadBack() throws IOException {
        // Tensors listed out of offset order, no metadata, header not padded: all allowed by the format.
        String header = "{\"w\":{\"dtype\":\"F64\",\"shape\":[1,2],\"data_offsets\":[8,24]},"
                + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 24).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).putFloat(2.5f).putFloat(-7f).putDouble(Math.PI).putDouble(-0.0);
        Path file = dir.resolve("hand.safetensors");
        Files.write(file, buf.array());
        StateDict s = SafeTensors.load(file);
        assertEquals(2.5, s.tensor("s").item(), 0);
        assertEquals(0, s.tensor("s").rank());
        assertEquals(0, s.tensor("e").numel());
        assertArrayEquals(new float[] {-7f}, s.tensor("v").toFloatArray());
        assertArrayEquals(new int[] {1, 2}, s.tensor("w").shape());
        assertEquals(DType.FLOAT64, s.tensor("w").dtype());
        assertArrayEquals(new double[] {Math.PI, -0.0}, s.tensor("w").toDoubleArray(), 0);
    }

    @Test
    void roundTripKeepsValuesBitForBit() throws IOException {
        Path file = dir.resolve("r.safetensors");
        StateDict in = sample();
        SafeTensors.save(file, in);
        StateDict out = SafeTensors.load(file);
        assertEquals(in.values(), out.values());
        assertEquals(in.tensors().keySet(), out.tensors().keySet());
        for (String k : in.tensors().keySet()) {
            assertArrayEquals(in.tensor(k).shape(), out.tensor(k).shape());
            assertArrayEquals(in.tensor(k).toDoubleArray(), out.tensor(k).toDoubleArray(), 0);
            assertEquals(in.tensor(k).dtype(), out.tensor(k).dtype());
        }
    }

    @Test
    void int32AndBoolTensorsRoundTripAsI32AndBool() throws IOException {
        Path file = dir.resolve("ints.safetensors");
        Tensor labels = Tensor.of(new int[] {Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE}, 5);
        Tensor mask = Tensor.of(new boolean[] {true, false, false, true, true, false, true}, 7);
        SafeTensors.save(file, new StateDict(Map.of("labels", labels, "mask", mask, "w", Tensor.ones(2)), Map.of()));
        String header = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertTrue(header.contains("\"labels\":{\"dtype\":\"I32\",\"shape\":[5],\"data_offsets\":[0,20]}"), header);
        assertTrue(header.contains("\"mask\":{\"dtype\":\"BOOL\",\"shape\":[7],\"data_offsets\":[20,27]}"), header);
        StateDict back = SafeTensors.load(file);
        assertEquals(DType.INT32, back.tensor("labels").dtype());
        assertArrayEquals(labels.toIntArray(), back.tensor("labels").toIntArray());
        assertEquals(DType.BOOL, back.tensor("mask").dtype());
        assertArrayEquals(mask.toBooleanArray(), back.tensor("mask").toBooleanArray());
        assertArrayEquals(new double[] {1, 1}, back.tensor("w").toDoubleArray(), 0);
    }

    @Test
    void i64IsReadIntoInt32WhenEveryValueFits() throws IOException {
        String header = "{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("i64.safetensors");
        Files.write(file, ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length)
                .put(h).putLong(-5).putLong(Integer.MAX_VALUE).array());
        Tensor ids = SafeTensors.load(file).tensor("ids");
        assertEquals(DType.INT32, ids.dtype());
        assertArrayEquals(new int[] {-5, Integer.MAX_VALUE}, ids.toIntArray());
        String m = loadError(ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length)
                .put(h).putLong(1).putLong(1L << 40).array());
        assertTrue(m.contains("'ids'") && m.contains("1099511627776") && m.contains("int32"), m);
    }

    private String loadError(byte[] bytes) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, bytes);
        return assertThrows(IOException.class, () -> SafeTensors.load(file)).getMessage();
    }

    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h)
                .array();
    }

    @Test
    void corruptOrTruncatedFilesAreRejectedWithTheReason() throws IOException {
        Path good = dir.resolve("g.safetensors");
        SafeTensors.save(good, sample());
        byte[] bytes = Files.readAllBytes(good);

        assertTrue(loadError(Arrays.copyOf(bytes, 5)).contains("truncated: 5 bytes"));
        String cut = loadError(Arrays.copyOf(bytes, bytes.length - 3));
        assertTrue(cut.contains("bad.safetensors") && cut.contains("'b'") && cut.contains("truncated"), cut);
        assertTrue(loadError(Arrays.copyOf(bytes, 40)).contains("does not fit the file"));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 4);
        assertTrue(loadError(longer).contains("cover 40 data bytes, but the file holds 44"));
        assertTrue(loadError(file("{\"a\":", 0)).contains("JSON"));
        assertTrue(loadError(file("{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2))
                .contains("dtype BF16 is not supported"));
        assertTrue(loadError(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4))
                .contains("4 bytes for shape [2]"));
        assertTrue(loadError(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 6)).contains("overlapping"));
        assertTrue(loadError(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8))
                .contains("gap"));
        assertTrue(loadError(file("{\"a\":1,\"a\":2}", 0)).contains("duplicate key"));
    }

    /** Passes {@code limit} bytes through, then fails like a full disk. */
    private static final class FailingStream extends FilterOutputStream {
        private long left;

        FailingStream(OutputStream out, long limit) {
            super(out);
            left = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (left-- <= 0) {
                throw new IOException("simulated: no space left on device");
            }
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }
    }

    @Test
    void aSaveThatFailsMidwayLeavesTheEarlierFileLoadable() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        SafeTensors.save(file, sample());
        byte[] before = Files.readAllBytes(file);
        Map<String, Tensor> bigger = new LinkedHashMap<>();
        bigger.put("a", Tensor.ones(100, 100));
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(file,
                out -> SafeTensors.write(new FailingStream(out, 1000), StateDict.ofTensors(bigger))));
        assertTrue(e.getMessage().contains("simulated"));
        assertArrayEquals(before, Files.readAllBytes(file), "the earlier checkpoint is untouched");
        assertEquals(3, SafeTensors.load(file).tensor("a").size(1));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void theSameStateSavesTheSameBytesWhateverTheInsertionOrder() throws IOException {
        Map<String, Tensor> ab = new LinkedHashMap<>();
        ab.put("a", Tensor.ones(2));
        ab.put("b", Tensor.zeros(3));
        Map<String, Tensor> ba = new LinkedHashMap<>();
        ba.put("b", ab.get("b"));
        ba.put("a", ab.get("a"));
        Map<String, String> xy = new LinkedHashMap<>();
        xy.put("x", "1");
        xy.put("y", "2");
        Map<String, String> yx = new LinkedHashMap<>();
        yx.put("y", "2");
        yx.put("x", "1");
        Path first = dir.resolve("1.safetensors");
        Path second = dir.resolve("2.safetensors");
        SafeTensors.save(first, new StateDict(ab, xy));
        SafeTensors.save(second, new StateDict(ba, yx));
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
    }

    @Test
    void whatTheLoaderWouldRefuseIsRefusedAtSaveTime() throws IOException {
        Path file = dir.resolve("s.safetensors");
        Map<String, Tensor> twoNames = new LinkedHashMap<>();
        twoNames.put("w\uD800", Tensor.ones(1)); // both would be written as "w?" and load as one duplicate key
        twoNames.put("w\uD801", Tensor.ones(1));
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.save(file, StateDict.ofTensors(twoNames)));
        assertEquals("safetensors: tensor name \"w\uD800\" is not valid UTF-16: an unpaired surrogate U+D800 at "
                + "index 1 (UTF-8, the header's encoding, cannot hold it)", name.getMessage());
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.save(file, new StateDict(Map.of(), Map.of("note", "\uDC00x"))));
        assertTrue(value.getMessage().startsWith("safetensors: metadata value of 'note'"), value.getMessage());
        assertFalse(Files.exists(file), "refused before the file was touched");

        StateDict emoji = new StateDict(Map.of("\uD83D\uDE00", Tensor.ones(1)), Map.of("k", "\uD83D\uDE00"));
        SafeTensors.save(file, emoji);
        assertEquals(emoji.values(), SafeTensors.load(file).values(), "a surrogate pair is valid");
        assertEquals(emoji.tensors().keySet(), SafeTensors.load(file).tensors().keySet());

        // The header limit, with the loader's arithmetic (a padded length over the limit), at a small limit.
        StateDict state = sample();
        int length = SafeTensors.header(state, SafeTensors.MAX_HEADER).length - 8;
        assertEquals(length + 8, SafeTensors.header(state, length).length, "exactly at the limit: accepted");
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.header(state, length - 8));
        assertTrue(big.getMessage().endsWith("over the format's limit of " + (length - 8)
                + " (readers refuse such a file)"), big.getMessage());
    }

    @Test
    void tensorsMoveInChunksThatNeedNotDivideThem() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("f", Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7}, 7));
        t.put("d", Tensor.of(DType.FLOAT64, new double[] {-1, 1e-300, Math.PI, 4, 5}, 5));
        StateDict state = new StateDict(t, Map.of("epoch", "2"));
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        SafeTensors.write(whole, state);
        java.io.ByteArrayOutputStream chunked = new java.io.ByteArrayOutputStream();
        SafeTensors.write(chunked, SafeTensors.header(state, SafeTensors.MAX_HEADER), state, 12);
        assertArrayEquals(whole.toByteArray(), chunked.toByteArray(), "12-byte chunks: 8 bytes a time, 3 floats");
        Path file = Files.write(dir.resolve("c.safetensors"), chunked.toByteArray());
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            StateDict back = SafeTensors.read(ch, 16);
            assertArrayEquals(t.get("f").toFloatArray(), back.tensor("f").toFloatArray(), 0);
            assertArrayEquals(t.get("d").toDoubleArray(), back.tensor("d").toDoubleArray(), 0);
        }
    }

    @Test
    void valuesBeyondTwoGibibytesIntoTheFileAreRead() throws IOException {
        // A sparse file: 3 GB long, 16 bytes written at its end; the arithmetic the loader uses for each tensor.
        long at = 3_000_000_000L;
        Path file = dir.resolve("sparse.bin");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.SPARSE)) {
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            b.putFloat(1.5f).putFloat(-2f).putFloat(3e30f).putFloat(Float.MIN_VALUE).flip();
            ch.write(b, at);
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            Tensor t = Tensor.zeros(4);
            SafeTensors.readValues(ch, at, t, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN));
            assertArrayEquals(new float[] {1.5f, -2f, 3e30f, Float.MIN_VALUE}, t.toFloatArray(), 0);
        }
    }

    @Test
    void checkpointKeepsPartsAndMetadataApart() throws IOException {
        Path file = dir.resolve("run.safetensors");
        StateDict model = StateDict.ofTensors(Map.of("layers.0.weight", Tensor.ones(2, 2)));
        StateDict optimizer = new StateDict(Map.of("state.0.exp_avg", Tensor.zeros(DType.FLOAT64, 2, 2)),
                Map.of("param_groups.0.lr", "0.001"));
        new Checkpoint(Map.of("model", model, "optimizer", optimizer), Map.of("epoch", "7")).save(file);

        StateDict raw = SafeTensors.load(file);
        assertTrue(raw.tensors().containsKey("model.layers.0.weight"), "weights keep their names under model.");

        Checkpoint c = Checkpoint.load(file);
        assertEquals(Map.of("epoch", "7"), c.metadata());
        assertArrayEquals(new float[] {1, 1, 1, 1}, c.part("model").tensor("layers.0.weight").toFloatArray());
        assertEquals("0.001", c.part("optimizer").value("param_groups.0.lr"));
        assertEquals(DType.FLOAT64, c.part("optimizer").tensor("state.0.exp_avg").dtype());
        String missing = assertThrows(IllegalArgumentException.class, () -> c.part("scheduler")).getMessage();
        assertTrue(missing.contains("no part 'scheduler'") && missing.contains("model") && missing.contains("optimizer"),
                missing);

        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.save(plain, model);
        assertTrue(assertThrows(IOException.class, () -> Checkpoint.load(plain)).getMessage()
                .contains("not a Tapegrad checkpoint"));
    }
}
