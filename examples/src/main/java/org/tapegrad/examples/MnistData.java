package org.tapegrad.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.IdxFile;
import org.tapegrad.core.data.TensorDataset;

/**
 * The MNIST data set (or any in its four-file IDX layout, e.g. Fashion-MNIST): images as float32 rows of 784
 * pixels scaled to [0, 1], labels 0-9. The default is the copy shipped in this jar's resources
 * ({@code /mnist/*.gz}); {@code --data DIR} reads the same four files from a folder, gzip-compressed or not.
 *
 * @param train the 60,000 training examples (for MNIST)
 * @param test  the 10,000 test examples
 * @param name  where the data came from, for reports
 */
record MnistData(TensorDataset train, TensorDataset test, String name) {
    private static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

    /** The MNIST copy embedded in the jar. */
    static MnistData embedded() throws IOException {
        IdxFile[] f = new IdxFile[4];
        for (int i = 0; i < 4; i++) {
            String resource = "/mnist/" + FILES[i] + ".gz";
            try (InputStream in = MnistData.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException("the jar has no resource " + resource + "; rebuild it, or pass --data DIR");
                }
                f[i] = IdxFile.read(in, resource);
            }
        }
        return of(f, "mnist (embedded)");
    }

    /** The four IDX files in {@code dir}, each named as in MNIST, with or without {@code .gz}. */
    static MnistData fromDirectory(Path dir) throws IOException {
        IdxFile[] f = new IdxFile[4];
        for (int i = 0; i < 4; i++) {
            Path gz = dir.resolve(FILES[i] + ".gz");
            Path raw = dir.resolve(FILES[i]);
            if (Files.exists(gz)) {
                f[i] = IdxFile.read(gz);
            } else if (Files.exists(raw)) {
                f[i] = IdxFile.read(raw);
            } else {
                throw new IOException(dir + ": no " + FILES[i] + " (or " + FILES[i] + ".gz); expected the four MNIST "
                        + "IDX files: " + String.join(", ", FILES));
            }
        }
        return of(f, dir.toString());
    }

    private static MnistData of(IdxFile[] f, String name) throws IOException {
        return new MnistData(dataset(f[0], f[1], name + " train"), dataset(f[2], f[3], name + " test"), name);
    }

    private static TensorDataset dataset(IdxFile images, IdxFile labels, String what) throws IOException {
        if (images.dims().length != 3 || labels.dims().length != 1) {
            throw new IOException(what + ": expected images [n, rows, cols] and labels [n], got ranks "
                    + images.dims().length + " and " + labels.dims().length);
        }
        if (images.count() != labels.count()) {
            throw new IOException(what + ": " + images.count() + " images but " + labels.count() + " labels");
        }
        int n = images.count();
        int pixels = images.itemSize();
        byte[] raw = images.data();
        float[] x = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            x[i] = (raw[i] & 0xFF) / 255f;
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = labels.data()[i] & 0xFF;
            if (y[i] > 9) {
                throw new IOException(what + ": label " + y[i] + " of example " + i + " is outside 0-9");
            }
        }
        return new TensorDataset(Tensor.of(x, n, pixels), y);
    }
}
