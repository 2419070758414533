package org.tapegrad.core.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * An IDX file (the format of MNIST and Fashion-MNIST), gzip-compressed or raw: a 4-byte magic number (two zero
 * bytes, a type code, the number of dimensions), one big-endian 4-byte size per dimension, then the data,
 * row-major. Unsigned bytes (type 0x08) are supported, which covers the MNIST family.
 *
 * <p>Everything is validated: the magic number, the dimensions and that the data has exactly the announced
 * length. A truncated, over-long or corrupt file is rejected with an {@link IOException} naming the file and
 * what was wrong.
 *
 * @param dims the sizes of the dimensions, e.g. {@code [60000, 28, 28]} for MNIST training images
 * @param data the values as unsigned bytes (read with {@code data[i] & 0xFF})
 */
public record IdxFile(int[] dims, byte[] data) {
    private static final int UNSIGNED_BYTE = 0x08;

    /** Number of items: the first dimension. */
    public int count() {
        return dims[0];
    }

    /** Values per item: the product of the remaining dimensions. */
    public int itemSize() {
        int n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Reads an IDX file; gzip compression is detected from the content. */
    public static IdxFile read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads IDX content from a stream (gzip detected from the content); {@code name} is used in error messages.
     * The header is read and checked first, then exactly the data it announces (memory grows with the data read,
     * not with the size claimed), then one byte more to make sure the content ends there: a gzip stream that
     * expands beyond its header's size is refused after that byte, not decompressed to its end.
     */
    public static IdxFile read(InputStream stream, String name) throws IOException {
        BufferedInputStream in = new BufferedInputStream(stream);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        try {
            return parse(gzip ? new GZIPInputStream(in, 1 << 16) : in, name);
        } catch (ZipException | java.io.EOFException e) {
            throw new IOException(name + ": corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        }
    }

    /** The largest data section read: the largest Java array. */
    static final long MAX_DATA = Integer.MAX_VALUE - 8;

    private static IdxFile parse(InputStream in, String name) throws IOException {
        byte[] magic = new byte[4];
        int got = in.readNBytes(magic, 0, 4);
        if (got < 4) {
            throw new IOException(name + ": truncated: " + got + " bytes, an IDX file starts with a 4-byte magic number");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IOException(name + ": not an IDX file: magic number starts with "
                    + String.format("0x%02x%02x", magic[0], magic[1]) + ", expected 0x0000");
        }
        int type = magic[2] & 0xFF;
        int rank = magic[3] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            throw new IOException(name + ": IDX data type " + String.format("0x%02x", type)
                    + " is not supported (expected 0x08, unsigned bytes, as in MNIST)");
        }
        if (rank < 1 || rank > 4) {
            throw new IOException(name + ": IDX rank " + rank + " is not supported (expected 1 to 4)");
        }
        int headerLength = 4 + 4 * rank;
        byte[] b = new byte[4 * rank];
        got = in.readNBytes(b, 0, b.length);
        if (got < b.length) {
            throw new IOException(name + ": truncated: " + (4 + got) + " bytes, the header of a rank-" + rank
                    + " IDX file has " + headerLength);
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            int p = 4 * i;
            dims[i] = ((b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            if (dims[i] <= 0) {
                throw new IOException(name + ": dimension " + i + " has size " + dims[i] + ", expected a positive size");
            }
        }
        long expected = 1;
        for (int d : dims) {
            if (expected > MAX_DATA / d) { // the product would pass the limit (or overflow a long)
                throw new IOException(name + ": dimensions " + Arrays.toString(dims) + " hold more than " + MAX_DATA
                        + " values, the most an array can hold (a corrupt header, or a data set too large)");
            }
            expected *= d;
        }
        byte[] data = readUpTo(in, (int) expected);
        if (data.length < expected) {
            throw new IOException(name + ": truncated: dimensions " + Arrays.toString(dims) + " need " + expected
                    + " data bytes, the file has " + data.length);
        }
        if (in.read() >= 0) {
            throw new IOException(name + ": too long: dimensions " + Arrays.toString(dims) + " need " + expected
                    + " data bytes, the file has more");
        }
        return new IdxFile(dims, data);
    }

    /** Up to {@code n} bytes of {@code in} (fewer at its end), in an array grown as they arrive. */
    private static byte[] readUpTo(InputStream in, int n) throws IOException {
        byte[] buf = new byte[Math.min(n, 1 << 20)];
        int at = 0;
        while (at < n) {
            if (at == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
            }
            int r = in.read(buf, at, buf.length - at);
            if (r < 0) {
                return Arrays.copyOf(buf, at);
            }
            at += r;
        }
        return buf;
    }
}
