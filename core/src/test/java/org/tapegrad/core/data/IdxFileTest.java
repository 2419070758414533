package org.tapegrad.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {
    @TempDir
    Path dir;

    /** A rank-3 unsigned-byte IDX file of 2 images of 2x3 pixels with values 0..11, built byte by byte. */
    private static byte[] images() {
        byte[] b = new byte[4 + 12 + 12];
        b[2] = 0x08;
        b[3] = 3;
        b[7] = 2;
        b[11] = 2;
        b[15] = 3;
        for (int i = 0; i < 12; i++) {
            b[16 + i] = (byte) (i * 20);
        }
        return b;
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(raw);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    @Test
    void readsRawAndGzipFiles() throws IOException {
        for (Path f : new Path[] {write("raw-idx3-ubyte", images()), write("z-idx3-ubyte.gz", gzip(images()))}) {
            IdxFile idx = IdxFile.read(f);
            assertArrayEquals(new int[] {2, 2, 3}, idx.dims());
            assertEquals(2, idx.count());
            assertEquals(6, idx.itemSize());
            assertEquals(220, idx.data()[11] & 0xFF, "unsigned bytes");
        }
    }

    private String error(byte[] bytes) throws IOException {
        Path f = write("bad-idx.gz", bytes);
        String m = assertThrows(IOException.class, () -> IdxFile.read(f)).getMessage();
        assertTrue(m.startsWith(f.toString()), "the message names the file: " + m);
        return m;
    }

    @Test
    void rejectsBrokenFilesSayingWhatIsWrong() throws IOException {
        byte[] ok = images();
        assertTrue(error(Arrays.copyOf(ok, ok.length - 1)).contains("truncated: dimensions [2, 2, 3] need 12 data bytes, the file has 11"));
        assertTrue(error(Arrays.copyOf(ok, ok.length + 5)).contains("too long"));
        assertTrue(error(Arrays.copyOf(ok, 10)).contains("truncated: 10 bytes"));
        byte[] magic = ok.clone();
        magic[0] = 0x42;
        assertTrue(error(magic).contains("not an IDX file"));
        byte[] type = ok.clone();
        type[2] = 0x0D;
        assertTrue(error(type).contains("data type 0x0d is not supported"));
        byte[] zero = ok.clone();
        zero[11] = 0;
        assertTrue(error(zero).contains("dimension 1 has size 0"));
        byte[] z = gzip(ok);
        assertTrue(error(Arrays.copyOf(z, z.length - 12)).contains("corrupt or truncated gzip"));
        byte[] flipped = z.clone();
        flipped[z.length - 5] ^= 0x55; // corrupt the gzip trailer (CRC / length)
        String m = error(flipped);
        assertTrue(m.contains("gzip") || m.contains("truncated") || m.contains("long"), m);
    }

    @Test
    void dimensionsWhoseProductOverflowsAreRefused() throws IOException {
        // [2^21, 2^21, 2^22] in a 16-byte file: the product is 2^64, which wraps a long to 0 = the data's length.
        byte[] b = new byte[16];
        b[2] = 0x08;
        b[3] = 3;
        b[5] = 0x20; // 2^21
        b[9] = 0x20;
        b[13] = 0x40; // 2^22
        String m = error(b);
        assertTrue(m.endsWith(": dimensions [2097152, 2097152, 4194304] hold more than 2147483639 values, the most an "
                + "array can hold (a corrupt header, or a data set too large)"), m);
    }

    /**
     * A gzip stream made on demand: an IDX header announcing {@code claimed} bytes, then {@code expanded} zero
     * bytes, compressed as they are read; counts the bytes it has produced before compression.
     */
    private static final class GzipBomb extends java.io.InputStream {
        private final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        private final GZIPOutputStream gzip;
        private final long expanded;
        private long produced;
        private int at;

        GzipBomb(int claimed, long expanded) throws IOException {
            this.expanded = expanded;
            gzip = new GZIPOutputStream(compressed, 1 << 16);
            gzip.write(new byte[] {0, 0, 0x08, 1, (byte) (claimed >>> 24), (byte) (claimed >>> 16),
                (byte) (claimed >>> 8), (byte) claimed});
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (at == compressed.size()) {
                if (produced == expanded) {
                    return -1;
                }
                compressed.reset();
                at = 0;
                int n = (int) Math.min(1 << 20, expanded - produced);
                gzip.write(new byte[n]);
                produced += n;
                if (produced == expanded) {
                    gzip.finish();
                }
            }
            int n = Math.min(len, compressed.size() - at);
            System.arraycopy(compressed.toByteArray(), at, b, off, n);
            at += n;
            return n;
        }
    }

    @Test
    void aGzipThatExpandsBeyondItsHeaderIsRefusedWithoutDecompressingIt() throws IOException {
        GzipBomb bomb = new GzipBomb(16, 256L << 20); // claims 16 data bytes, expands to 256 MiB
        IOException e = assertThrows(IOException.class, () -> IdxFile.read(bomb, "bomb.gz"));
        assertEquals("bomb.gz: too long: dimensions [16] need 16 data bytes, the file has more", e.getMessage());
        assertTrue(bomb.produced <= 8L << 20, "decompressed only the start: " + bomb.produced + " bytes produced");
    }
}
