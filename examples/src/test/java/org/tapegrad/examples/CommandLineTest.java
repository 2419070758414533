package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.io.Checkpoint;
import org.tapegrad.core.io.Json;
import org.tapegrad.core.data.TensorDataset;

/**
 * The examples jar as a user runs it, through {@link Main#run}: exit codes, messages, and what a run writes or
 * refuses to write. Training runs use a small MNIST subset written to IDX files ({@code --data}).
 */
class CommandLineTest {
    @TempDir
    static Path data;

    @TempDir
    Path dir;

    /** What one command printed and returned. */
    record Outcome(int code, String out, String err) {
    }

    @BeforeAll
    static void writeSubset() throws IOException {
        MnistData full = MnistData.embedded();
        writeIdx(full.train().head(512), data, "train");
        writeIdx(full.test().head(200), data, "t10k");
    }

    /** Images and labels in MNIST's raw IDX layout: pixels back to bytes (they were bytes / 255). */
    private static void writeIdx(TensorDataset set, Path to, String prefix) throws IOException {
        int n = set.size();
        float[] x = set.inputs().toFloatArray();
        byte[] images = new byte[16 + x.length];
        images[2] = 0x08;
        images[3] = 3;
        putInt(images, 4, n);
        putInt(images, 8, 28);
        putInt(images, 12, 28);
        for (int i = 0; i < x.length; i++) {
            images[16 + i] = (byte) Math.round(x[i] * 255);
        }
        byte[] labels = new byte[8 + n];
        labels[2] = 0x08;
        labels[3] = 1;
        putInt(labels, 4, n);
        int[] y = set.labels();
        for (int i = 0; i < n; i++) {
            labels[8 + i] = (byte) y[i];
        }
        Files.write(to.resolve(prefix + "-images-idx3-ubyte"), images);
        Files.write(to.resolve(prefix + "-labels-idx1-ubyte"), labels);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static synchronized Outcome run(String... args) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static String[] mnist(String... more) {
        return Stream.concat(Stream.of("mnist", "--data", data.toString(), "--epochs", "1", "--batch-size", "32"),
                Stream.of(more)).toArray(String[]::new);
    }

    @Test
    void aRunWhoseLossBecomesNonFiniteStopsWithExitCode1AndWritesNoReport() throws Exception {
        Path report = dir.resolve("report.json");
        Outcome r = run(mnist("--optimizer", "sgd", "--lr", "1e6", "--report", report.toString()));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().matches("(?s)mnist: epoch 1, step \\d+: the loss is (NaN|Infinity).*--skip-nonfinite.*"),
                r.err());
        assertFalse(Files.exists(report), "no report of a diverged run");
        assertFalse(r.out().contains("100.00%"), r.out());
    }

    @Test
    void skipNonFiniteSkipsThoseStepsAndSaysHowMany() throws Exception {
        Path report = dir.resolve("report.json");
        Outcome r = run(mnist("--optimizer", "sgd", "--lr", "1e6", "--skip-nonfinite", "--report", report.toString()));
        assertEquals(0, r.code(), r.err());
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(report));
        long skipped = (Long) json.get("skipped_steps");
        assertTrue(skipped > 0, "skipped " + skipped);
        assertTrue(r.out().contains("skipped " + skipped + " step(s)"), r.out());
    }

    @Test
    void clashingOrUnwritableOutputsAreRefusedBeforeTraining() throws Exception {
        Path same = dir.resolve("run.out");
        Outcome clash = run(mnist("--report", same.toString(), "--checkpoint", same.toString()));
        assertEquals(2, clash.code());
        assertTrue(clash.err().contains("are the same path"), clash.err());
        assertFalse(Files.exists(same));
        assertEquals("", clash.out(), "refused before anything ran");

        Path missing = dir.resolve("no-such-folder").resolve("c.safetensors");
        Outcome noFolder = run(mnist("--checkpoint", missing.toString()));
        assertEquals(2, noFolder.code());
        assertEquals("mnist: --checkpoint " + missing + ": its folder " + missing.getParent() + " does not exist\n",
                noFolder.err());

        Outcome isFolder = run(mnist("--report", dir.toString()));
        assertEquals(2, isFolder.code());
        assertTrue(isFolder.err().contains("--report " + dir + ": is a folder"), isFolder.err());

        Path monitor = Files.createDirectories(dir.resolve("monitor"));
        Outcome inMonitor = run(mnist("--monitor", monitor.toString(), "--report",
                monitor.resolve("gradients.html").toString()));
        assertEquals(2, inMonitor.code());
        assertTrue(inMonitor.err().contains("its file gradients.html"), inMonitor.err());

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        Outcome monitorOnFile = run(mnist("--monitor", file.resolve("sub").toString()));
        assertEquals(2, monitorOnFile.code());
        assertTrue(monitorOnFile.err().contains("is a file, expected a folder"), monitorOnFile.err());

        Outcome seq = run("seq-mnist", "--data", data.toString(), "--report", dir.toString());
        assertEquals(2, seq.code());
        assertTrue(seq.err().contains("--report " + dir + ": is a folder"), seq.err());
    }

    @Test
    void resumingAFinishedRunSaysSoAndStillWritesTheReport() throws Exception {
        Path ckpt = dir.resolve("c.safetensors");
        assertEquals(0, run(mnist("--checkpoint", ckpt.toString())).code());
        Path report = dir.resolve("r.json");
        Outcome again = run(mnist("--resume", ckpt.toString(), "--report", report.toString()));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("holds epoch 1 and the run is finished (1 epochs): nothing to train"),
                again.out());
        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(report));
        assertEquals(1L, json.get("epochs"));
        assertEquals(0L, json.get("epochs_trained"));
        assertNull(json.get("train_loss"), "nothing trained: null, which is JSON, not NaN");
        assertTrue(json.containsKey("train_loss"));
        double saved = Double.parseDouble(Checkpoint.load(ckpt).metadata().get("test_accuracy"));
        assertEquals(saved, ((Number) json.get("test_accuracy")).doubleValue(), 0, "the loaded model, evaluated");

        Outcome overwrite = run(mnist("--resume", ckpt.toString(), "--report", ckpt.toString()));
        assertEquals(2, overwrite.code());
        assertTrue(overwrite.err().contains("is the --resume file"), overwrite.err());
    }

    @Test
    void usageErrorsExitWith2AndSayWhatWasWrong() throws Exception {
        Outcome none = run();
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("Usage: java -jar tapegrad-examples.jar <command>"), none.err());

        Outcome bogus = run("worked-example", "--bogus");
        assertEquals(2, bogus.code());
        assertTrue(bogus.err().contains("this command takes no options"), bogus.err());
        assertTrue(bogus.err().contains("Usage: worked-example"), bogus.err());
        assertEquals(2, run("tied-autoencoder", "extra").code());
        assertEquals(0, run("worked-example", "--help").code());

        Outcome noValue = run("mnist", "--epochs");
        assertEquals(2, noValue.code());
        assertEquals("mnist: --epochs needs a value\n", noValue.err());
        assertEquals("mnist: --lr needs a value\n", run("mnist", "--lr", "--epochs", "3").err());

        Outcome typo = run("mnist", "--epoch", "3");
        assertEquals(2, typo.code());
        assertTrue(typo.err().startsWith("mnist: unknown option '--epoch'; did you mean --epochs? (accepted: --augment, --batch-size, "),
                typo.err());
        assertFalse(run("mnist", "--zzzzzzzz", "1").err().contains("did you mean"));
        assertTrue(run("mnsit").err().startsWith("Unknown command 'mnsit'; did you mean mnist?"));

        Outcome tooBig = run("backprop-cost", "--batch-size", "70000");
        assertEquals(2, tooBig.code());
        assertEquals("backprop-cost: --batch-size 70000 is larger than the 60000 training examples of mnist "
                + "(embedded)\n", tooBig.err());
    }

    @Test
    void vanishingGradientsWritesIntoATemporaryFolderByDefault() throws Exception {
        Path cwdDefault = Path.of("vanishing-gradients").toAbsolutePath();
        boolean existedBefore = Files.exists(cwdDefault);
        Outcome r = run("vanishing-gradients", "--depth", "2", "--width", "8", "--steps", "2", "--every", "1",
                "--examples", "64");
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("Reports \\(open gradients.html in a browser\\): (.*)\\n").matcher(r.out());
        assertTrue(m.find(), r.out());
        Path out = Path.of(m.group(1));
        try {
            assertTrue(out.startsWith(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath()), out.toString());
            assertTrue(Files.exists(out.resolve("sigmoid").resolve("gradients.html")));
            assertEquals(existedBefore, Files.exists(cwdDefault), "nothing written into the working folder");
        } finally {
            try (Stream<Path> all = Files.walk(out)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
