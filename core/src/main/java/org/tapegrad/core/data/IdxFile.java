package org.tapegrad.core.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
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

    /** Reads IDX content from a stream (gzip detected from the content); {@code name} is used in error messages. */
    public static IdxFile read(InputStream stream, String name) throws IOException {
        byte[] bytes;
        try {
            bytes = decompressIfGzip(new BufferedInputStream(stream));
        } catch (ZipException | java.io.EOFException e) {
            throw new IOException(name + ": corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        }
        return parse(bytes, name);
    }

    private static byte[] decompressIfGzip(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        InputStream source = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        source.transferTo(out);
        return out.toByteArray();
    }

    static IdxFile parse(byte[] b, String name) throws IOException {
        if (b.length < 4) {
            throw new IOException(name + ": truncated: " + b.length + " bytes, an IDX file starts with a 4-byte magic number");
        }
        if (b[0] != 0 || b[1] != 0) {
            throw new IOException(name + ": not an IDX file: magic number starts with "
                    + String.format("0x%02x%02x", b[0], b[1]) + ", expected 0x0000");
        }
        int type = b[2] & 0xFF;
        int rank = b[3] & 0xFF;
        if (type != UNSIGNED_BYTE) {
            throw new IOException(name + ": IDX data type " + String.format("0x%02x", type)
                    + " is not supported (expected 0x08, unsigned bytes, as in MNIST)");
        }
        if (rank < 1 || rank > 4) {
            throw new IOException(name + ": IDX rank " + rank + " is not supported (expected 1 to 4)");
        }
        int headerLength = 4 + 4 * rank;
        if (b.length < headerLength) {
            throw new IOException(name + ": truncated: " + b.length + " bytes, the header of a rank-" + rank
                    + " IDX file has " + headerLength);
        }
        int[] dims = new int[rank];
        long expected = 1;
        for (int i = 0; i < rank; i++) {
            int p = 4 + 4 * i;
            dims[i] = ((b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
            if (dims[i] <= 0) {
                throw new IOException(name + ": dimension " + i + " has size " + dims[i] + ", expected a positive size");
            }
            expected *= dims[i];
        }
        long actual = b.length - headerLength;
        if (actual != expected) {
            throw new IOException(name + ": " + (actual < expected ? "truncated" : "too long") + ": dimensions "
                    + Arrays.toString(dims) + " need " + expected + " data bytes, the file has " + actual);
        }
        return new IdxFile(dims, Arrays.copyOfRange(b, headerLength, b.length));
    }
}
