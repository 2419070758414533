package org.tapegrad.examples;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.nn.Layer;
import org.tapegrad.optim.Adam;

/**
 * {@code saliency}: how each input pixel contributed to a classifier's answer. The MNIST MLP is trained briefly;
 * then, for a few test digits, backpropagation gives the gradient of the predicted class's logit with respect to
 * the 784 input pixels, and gradient × input is its first-order attribution (the logit's change when a pixel is
 * turned off, to first order). The command writes a PNG with each digit above its attribution map (red: the pixel
 * raised the score, blue: it lowered it) and checks the maps: turning off each digit's most-attributed ink pixels
 * lowers the score more than turning off as many ink pixels chosen at random.
 */
final class Saliency {
    static final int SCALE = 4;

    private Saliency() {
    }

    /** The mean logit drop when the top-attributed ink pixels are turned off, and when random ink pixels are. */
    record Outcome(Path image, int digits, double testAccuracy, double salientDrop, double randomDrop) {
    }

    static void main(String[] args) throws IOException {
        Options o = new Options(args, Set.of("out", "digits", "epochs", "seed"));
        if (o.help) {
            System.out.println("""
                    Usage: saliency [--out saliency.png] [--digits 8] [--epochs 1] [--seed 1]
                    Trains the MNIST MLP, then writes the input-gradient attribution of a few test digits as a PNG.""");
            return;
        }
        Path out = o.path("out") == null ? Path.of("saliency.png") : o.path("out");
        MnistData data = MnistData.embedded();
        run(data.train(), data.test(), o.integer("digits", 8, 1), o.integer("epochs", 1, 1), o.integer("seed", 1, 0),
                out, true);
    }

    static Outcome run(TensorDataset train, TensorDataset test, int digits, int epochs, long seed, Path out,
            boolean print) throws IOException {
        if (digits > test.size()) {
            throw new IllegalArgumentException("--digits: the test set has " + test.size() + " images, asked for "
                    + digits);
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--out: the folder of " + out + " does not exist");
        }
        Random rng = new Random(seed);
        Layer model = MnistTrain.mlp(rng);
        Adam adam = new Adam(model.parameters(), Adam.Options.of(1e-3));
        try (DataLoader loader = new DataLoader(train, 128, true, seed, false, false)) {
            for (int e = 0; e < epochs; e++) {
                for (Batch b : loader) {
                    try (Tape tape = Tape.record()) {
                        tape.backward(Losses.crossEntropy(model.call(b.inputs()), b.labels()));
                    }
                    adam.step();
                    adam.zeroGrad();
                }
            }
        }
        model.eval();
        double accuracy = accuracy(model, test);

        Tensor x = test.inputs().narrow(0, 0, digits).detach().copy().requiresGrad(true);
        float[] logits;
        try (Tape tape = Tape.record()) {
            Tensor out0 = model.call(x);
            logits = out0.toFloatArray();
            tape.backward(out0.mul(oneHot(argmax(logits, digits), digits)).sum()); // Σ_i logit_i[predicted_i]
        }
        int[] predicted = argmax(logits, digits);
        float[] pixels = x.toFloatArray();
        float[] grad = x.grad().toFloatArray();
        float[] attribution = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            attribution[i] = grad[i] * pixels[i];
        }
        double[] drops = perturbationCheck(model, pixels, attribution, predicted, digits, rng);
        write(out, pixels, attribution, predicted, logits, digits, test.labels());
        if (print) {
            System.out.printf("MNIST MLP trained %d epoch(s), test accuracy %.2f%%; attribution = gradient x input of "
                    + "the predicted logit, by one backward pass over %d test digits%n", epochs, 100 * accuracy, digits);
            System.out.printf("turning off each digit's 20 most-attributed ink pixels lowers its logit by %.2f on "
                    + "average; 20 random ink pixels, by %.2f%n", drops[0], drops[1]);
            System.out.printf("wrote %s (%d x %d): each digit above its map, red raised the score, blue lowered it%n",
                    out, digits * 28 * SCALE, 2 * 28 * SCALE + 16);
        }
        return new Outcome(out, digits, accuracy, drops[0], drops[1]);
    }

    private static double accuracy(Layer model, TensorDataset test) {
        try (var noGrad = Tape.noGrad()) {
            float[] l = model.call(test.inputs()).toFloatArray();
            int[] p = argmax(l, test.size());
            int correct = 0;
            for (int i = 0; i < p.length; i++) {
                correct += p[i] == test.labels()[i] ? 1 : 0;
            }
            return correct / (double) p.length;
        }
    }

    private static int[] argmax(float[] logits, int rows) {
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 1; c < 10; c++) {
                if (logits[r * 10 + c] > logits[r * 10 + out[r]]) {
                    out[r] = c;
                }
            }
        }
        return out;
    }

    private static Tensor oneHot(int[] classes, int rows) {
        float[] m = new float[rows * 10];
        for (int r = 0; r < rows; r++) {
            m[r * 10 + classes[r]] = 1;
        }
        return Tensor.of(m, rows, 10);
    }

    /** {mean drop with the top-20 attributed ink pixels off, mean drop with 20 random ink pixels off}. */
    static double[] perturbationCheck(Layer model, float[] pixels, float[] attribution, int[] predicted, int digits,
            Random rng) {
        int k = 20;
        float[] salient = pixels.clone();
        float[] random = pixels.clone();
        for (int d = 0; d < digits; d++) {
            int base = d * 784;
            Integer[] ink = java.util.stream.IntStream.range(0, 784).filter(i -> pixels[base + i] > 0)
                    .boxed().toArray(Integer[]::new);
            java.util.Arrays.sort(ink, (a, b) -> Float.compare(attribution[base + b], attribution[base + a]));
            for (int j = 0; j < Math.min(k, ink.length); j++) {
                salient[base + ink[j]] = 0;
            }
            java.util.Collections.shuffle(java.util.Arrays.asList(ink), rng);
            for (int j = 0; j < Math.min(k, ink.length); j++) {
                random[base + ink[j]] = 0;
            }
        }
        try (var noGrad = Tape.noGrad()) {
            float[] before = model.call(Tensor.of(pixels, digits, 784)).toFloatArray();
            float[] s = model.call(Tensor.of(salient, digits, 784)).toFloatArray();
            float[] r = model.call(Tensor.of(random, digits, 784)).toFloatArray();
            double salientDrop = 0;
            double randomDrop = 0;
            for (int d = 0; d < digits; d++) {
                int c = d * 10 + predicted[d];
                salientDrop += (before[c] - s[c]) / digits;
                randomDrop += (before[c] - r[c]) / digits;
            }
            return new double[] {salientDrop, randomDrop};
        }
    }

    /** Digits on the top row, attribution maps below (each scaled by its own largest magnitude), captions above. */
    static void write(Path out, float[] pixels, float[] attribution, int[] predicted, float[] logits, int digits,
            int[] labels) throws IOException {
        int tile = 28 * SCALE;
        int caption = 16;
        BufferedImage img = new BufferedImage(digits * tile, caption + 2 * tile, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int d = 0; d < digits; d++) {
            float max = 1e-12f;
            for (int i = 0; i < 784; i++) {
                max = Math.max(max, Math.abs(attribution[d * 784 + i]));
            }
            for (int i = 0; i < 784; i++) {
                int v = Math.round(255 * (1 - Math.min(1, Math.max(0, pixels[d * 784 + i]))));
                float a = attribution[d * 784 + i] / max;
                int fade = Math.round(255 * (1 - Math.abs(a)));
                int rgbDigit = new Color(v, v, v).getRGB();
                int rgbMap = a >= 0 ? new Color(255, fade, fade).getRGB() : new Color(fade, fade, 255).getRGB();
                int x0 = d * tile + (i % 28) * SCALE;
                int y0 = caption + (i / 28) * SCALE;
                for (int dy = 0; dy < SCALE; dy++) {
                    for (int dx = 0; dx < SCALE; dx++) {
                        img.setRGB(x0 + dx, y0 + dy, rgbDigit);
                        img.setRGB(x0 + dx, y0 + tile + dy, rgbMap);
                    }
                }
            }
            g.setColor(predicted[d] == labels[d] ? Color.BLACK : Color.RED);
            g.drawString("true " + labels[d] + ", got " + predicted[d], d * tile + 4, 12);
        }
        g.dispose();
        Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), "." + out.getFileName() + ".", ".tmp");
        try { // the image replaces an earlier one whole, never half-written
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this JDK");
            }
            Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
