package org.tapegrad.examples;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.monitor.GradientMonitor;
import org.tapegrad.monitor.LiveReports;
import org.tapegrad.monitor.MonitorReports;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.optim.Sgd;

/**
 * The gradient monitor's HTML page as a real browser shows it: trains a small MNIST MLP under a monitor with live
 * reports (a learning rate far too small for the first steps, so that UPDATE_RATIO fires and then clears once the
 * rate is raised), then loads the page in headless Chromium, checks the DOM the browser built and takes a
 * screenshot.
 *
 * <pre>
 * java -cp examples/target/tapegrad-examples.jar org.tapegrad.examples.MonitorPageCheck OUT_DIR
 * </pre>
 *
 * Writes the reports into {@code OUT_DIR/monitor} and the screenshot to {@code OUT_DIR/gradients.png}; exits 0 when
 * the page checks out, 1 when it does not, and 0 with a "skipped" line when no Chromium is installed (Debian:
 * {@code apt-get install chromium}; or set {@code CHROMIUM} to the browser's path).
 */
public final class MonitorPageCheck {
    /** Steps at the tiny learning rate, then at the normal one. */
    static final int SLOW_STEPS = 40;
    static final int STEPS = 120;

    private MonitorPageCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println("Usage: MonitorPageCheck OUT_DIR");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Path browser = chromium();
        if (browser == null) {
            System.out.println("skipped: no chromium on PATH (apt-get install chromium, or set CHROMIUM)");
            return;
        }
        Path page = writePage(out.resolve("monitor"));
        List<String> problems = check(browser, page, out.resolve("gradients.png"), out.resolve("profile"));
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("monitor page: " + p));
            System.exit(1);
        }
        System.out.println("monitor page renders; screenshot " + out.resolve("gradients.png").toAbsolutePath());
    }

    /** The Chromium executable: {@code $CHROMIUM}, else {@code chromium} or {@code chromium-browser} on the PATH. */
    static Path chromium() {
        String env = System.getenv("CHROMIUM");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isExecutable(p) ? p : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Trains the demonstration run with live reports into {@code dir}; returns the HTML page. */
    static Path writePage(Path dir) throws IOException {
        MnistData data = MnistData.embedded();
        Random rng = new Random(7);
        Layer model = new Sequential(new Linear(784, 128, rng), new Relu(), new Linear(128, 64, rng), new Relu(),
                new Linear(64, 10, rng));
        Sgd optimizer = new Sgd(model.parameters(), Sgd.Options.of(1e-7).withMomentum(0.9));
        GradientMonitor monitor = GradientMonitor.attach(model, 4);
        try (DataLoader loader = new DataLoader(data.train().head(STEPS * 64), 64, true, 7, true, false);
                LiveReports live = LiveReports.start(monitor, "MNIST MLP, lr 1e-7 for " + SLOW_STEPS
                        + " steps, then 0.05", dir, 5)) {
            int step = 0;
            for (Batch batch : loader) {
                if (step++ == SLOW_STEPS) {
                    optimizer.paramGroups().forEach(g -> g.setLr(0.05));
                }
                double loss;
                try (Tape tape = Tape.record()) {
                    Tensor l = Losses.crossEntropy(model.call(batch.inputs()), batch.labels());
                    tape.backward(l);
                    loss = l.item();
                }
                monitor.beforeStep();
                optimizer.step();
                monitor.afterStep(loss);
                optimizer.zeroGrad();
            }
        } finally {
            monitor.close();
        }
        return dir.resolve(MonitorReports.HTML);
    }

    /**
     * Loads {@code page} in headless Chromium twice (the DOM it builds, then a screenshot into {@code png}, with a
     * fresh profile under {@code profile}) and returns what is wrong with it (empty when nothing is).
     */
    static List<String> check(Path browser, Path page, Path png, Path profile) throws IOException,
            InterruptedException {
        List<String> problems = new ArrayList<>();
        String url = page.toAbsolutePath().toUri().toString();
        String dom = run(browser, profile.resolve("dom"), "--dump-dom", url);
        int svgs = count(dom, "<svg");
        if (svgs != 5) {
            problems.add("the browser built " + svgs + " charts, expected 5");
        }
        for (String needle : List.of("id=\"diagnostics\"", "id=\"thresholds\"", "cleared at step", "0 (Linear)",
                "UPDATE_RATIO")) {
            if (!dom.contains(needle)) {
                problems.add("the rendered page lacks " + needle);
            }
        }
        Files.deleteIfExists(png);
        run(browser, profile.resolve("shot"), "--screenshot=" + png.toAbsolutePath(), "--window-size=1200,2400",
                "--hide-scrollbars", url);
        if (!Files.exists(png)) {
            problems.add("no screenshot was written");
            return problems;
        }
        BufferedImage image = ImageIO.read(png.toFile());
        long inked = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                inked += rgb == 0xFFFFFF ? 0 : 1;
            }
        }
        double fraction = inked / (image.getWidth() * image.getHeight() / 4.0);
        if (image.getWidth() != 1200 || fraction < 0.05) {
            problems.add(String.format("the screenshot is %dx%d with %.1f%% non-white pixels: blank or cut",
                    image.getWidth(), image.getHeight(), 100 * fraction));
        }
        return problems;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** Runs headless Chromium on {@code args} with a fresh profile; returns its standard output. */
    private static String run(Path browser, Path profile, String... args) throws IOException, InterruptedException {
        Files.createDirectories(profile);
        List<String> command = new ArrayList<>(List.of(browser.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--user-data-dir=" + profile.toAbsolutePath()));
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(profile, "stdout", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("chromium did not finish within 120 s: " + command);
        }
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }
}
