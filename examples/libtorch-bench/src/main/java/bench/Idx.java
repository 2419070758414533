package bench;

import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.util.zip.GZIPInputStream;

/** Minimal IDX (MNIST-style) reader for .gz files. */
public final class Idx {
    /** Folder with the four IDX files: -Ddata.dir=..., else $DATA_DIR, else the MNIST copy embedded in the examples module. */
    public static final String DIR = System.getProperty("data.dir",
            System.getenv().getOrDefault("DATA_DIR", "../src/main/resources/mnist"));

    /** Returns images as float[n*rows*cols] scaled to [0,1]; dims[0..2] receive n, rows, cols. */
    public static float[] images(String file, int[] dims) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000803) throw new IOException("bad image magic " + Integer.toHexString(magic));
            int n = in.readInt(), r = in.readInt(), c = in.readInt();
            byte[] raw = new byte[n * r * c];
            in.readFully(raw);
            float[] out = new float[raw.length];
            for (int i = 0; i < raw.length; i++) out[i] = (raw[i] & 0xff) / 255f;
            dims[0] = n; dims[1] = r; dims[2] = c;
            return out;
        }
    }

    public static int[] labels(String file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x00000801) throw new IOException("bad label magic " + Integer.toHexString(magic));
            int n = in.readInt();
            byte[] raw = new byte[n];
            in.readFully(raw);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = raw[i] & 0xff;
            return out;
        }
    }

    private static DataInputStream open(String file) throws IOException {
        String p = file.startsWith("/") ? file : DIR + "/" + file;
        return new DataInputStream(new BufferedInputStream(new GZIPInputStream(new FileInputStream(p), 1 << 16), 1 << 16));
    }
}
