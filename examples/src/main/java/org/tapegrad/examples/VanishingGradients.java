package org.tapegrad.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.monitor.Diagnostic;
import org.tapegrad.monitor.GradientMonitor;
import org.tapegrad.monitor.MonitorReports;
import org.tapegrad.monitor.StepRecord;
import org.tapegrad.monitor.TextSummary;
import org.tapegrad.nn.Init;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.Sigmoid;
import org.tapegrad.optim.GradClip;
import org.tapegrad.optim.Sgd;

/**
 * {@code vanishing-gradients}: the demonstration the backpropagation texts ask for, with the gradient monitor as the
 * instrument. The same deep network (10 hidden layers of 64 on MNIST) is trained briefly with sigmoid activations
 * (Glorot initialisation, the one designed for it) and with ReLU (He initialisation): the monitor flags VANISHING
 * for the early layers of the sigmoid network only. Then a deep linear network with too-large initialisation
 * (weights ~ N(0, (2/√fan_in)²), so each layer doubles the signal): EXPLODING is flagged and training diverges;
 * with gradient clipping to norm 5 (optim's GradClip) the same run trains. Each run's reports go to its own folder.
 */
final class VanishingGradients {
    private VanishingGradients() {
    }

    /** What one run printed, for tests. */
    record Outcome(String name, double firstLoss, double lastLoss, double ratioAtStart, double ratioAtEnd,
            List<Diagnostic> diagnostics) {
        List<String> flagged(Diagnostic.Kind kind) {
            return diagnostics.stream().filter(d -> d.kind() == kind).map(Diagnostic::layer).toList();
        }
    }

    static void main(String[] args) throws IOException {
        Options o = new Options(args, Set.of("steps", "depth", "width", "every", "out", "seed", "examples"));
        if (o.help) {
            System.out.println("""
                    Usage: vanishing-gradients [options]
                      --depth N      hidden layers (default 10)
                      --width N      units per hidden layer (default 64)
                      --steps N      SGD steps per run, batch 64 (default 150)
                      --every N      monitor every N-th step (default 5)
                      --examples N   MNIST training examples used (default 10000)
                      --seed N       seed of initialisation and shuffling (default 1)
                      --out DIR      reports folder, one subfolder per run (default: a new temporary folder,
                                     printed at the end)""");
            return;
        }
        int depth = o.integer("depth", 10, 1);
        int width = o.integer("width", 64, 1);
        int steps = o.integer("steps", 150, 1);
        int every = o.integer("every", 5, 1);
        long seed = o.integer("seed", 1, 0);
        int examples = o.integer("examples", 10000, 64);
        Path out = o.path("out");
        if (out == null) {
            out = java.nio.file.Files.createTempDirectory("tapegrad-vanishing-gradients-");
        } else {
            OutputPaths.check(Map.of(), Map.of("--out", out));
        }
        TensorDataset data = MnistData.embedded().train().head(examples);
        System.out.printf("MNIST, %d examples, batch 64, %d SGD steps per run, monitor every %d step(s); network "
                + "784-%s-10%n%n", data.size(), steps, every, (width + "-").repeat(depth).replaceAll("-$", ""));
        List<Outcome> outcomes = new ArrayList<>();
        outcomes.add(run("sigmoid", deep(depth, width, Kind.SIGMOID, seed), data, steps, every, 0.1, 0, seed, out, true));
        outcomes.add(run("relu", deep(depth, width, Kind.RELU, seed), data, steps, every, 0.1, 0, seed, out, true));
        outcomes.add(run("linear-large-init", deep(depth, width, Kind.LINEAR_LARGE, seed), data, steps, every, 0.01, 0,
                seed, out, true));
        outcomes.add(run("linear-large-init-clipped", deep(depth, width, Kind.LINEAR_LARGE, seed), data, steps, every,
                0.01, 5.0, seed, out, true));
        System.out.println("Summary (ratio = gradient norm of the first layer / of the last layer):");
        System.out.printf("%-26s %10s %10s %12s %12s  %s%n", "run", "loss 1st", "loss last", "ratio start",
                "ratio end", "diagnostics");
        for (Outcome r : outcomes) {
            System.out.printf(Locale.ROOT, "%-26s %10.4g %10.4g %12.3g %12.3g  %s%n", r.name(), r.firstLoss(),
                    r.lastLoss(), r.ratioAtStart(), r.ratioAtEnd(), counts(r));
        }
        System.out.printf("%nReports (open gradients.html in a browser): %s%n", out.toAbsolutePath());
    }

    enum Kind { SIGMOID, RELU, LINEAR_LARGE }

    /**
     * 784 → depth × width → 10. SIGMOID: sigmoid after each hidden layer, Glorot uniform weights. RELU: ReLU, He
     * uniform weights. LINEAR_LARGE: no activation, weights N(0, (2/√fan_in)²), so each layer doubles the signal's
     * scale. Biases zero.
     */
    static Sequential deep(int depth, int width, Kind kind, long seed) {
        Random rng = new Random(seed);
        Sequential s = new Sequential();
        int in = 784;
        for (int i = 0; i <= depth; i++) {
            Linear l = new Linear(in, i == depth ? 10 : width, rng);
            try (Scope scope = Tape.noGrad()) {
                switch (kind) {
                    case SIGMOID -> Init.xavierUniform(l.weight(), rng);
                    case RELU -> Init.kaimingUniform(l.weight(), rng);
                    case LINEAR_LARGE -> Init.normal(l.weight(), 0, 2 / Math.sqrt(in), rng);
                }
                Init.zeros(l.bias());
            }
            s.add(l);
            if (i < depth && kind != Kind.LINEAR_LARGE) {
                s.add(kind == Kind.SIGMOID ? new Sigmoid() : new Relu());
            }
            in = width;
        }
        return s;
    }

    /**
     * Trains {@code model} with SGD (clipping the global gradient norm to {@code clip} when &gt; 0) under a monitor,
     * writes its reports to {@code out/name} and, when {@code print}, prints the summary.
     */
    static Outcome run(String name, Layer model, TensorDataset data, int steps, int every, double lr, double clip,
            long seed, Path out, boolean print) throws IOException {
        Sgd optimizer = new Sgd(model.parameters(), Sgd.Options.of(lr));
        GradientMonitor monitor = GradientMonitor.attach(model, every);
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        int step = 0;
        try (DataLoader loader = new DataLoader(data, 64, true, seed, true, false)) {
            for (int epoch = 0; step < steps; epoch++) {
                loader.setEpoch(epoch);
                for (Batch batch : loader) {
                    if (step == steps) {
                        break;
                    }
                    double loss;
                    try (Tape tape = Tape.record()) {
                        Tensor l = Losses.crossEntropy(model.call(batch.inputs()), batch.labels());
                        tape.backward(l);
                        loss = l.item();
                    }
                    monitor.beforeStep(); // the gradients as backward left them, before any clipping
                    if (clip > 0) {
                        GradClip.clipGradNorm(model.parameters(), clip);
                    }
                    optimizer.step();
                    monitor.afterStep(loss);
                    optimizer.zeroGrad();
                    firstLoss = step == 0 ? loss : firstLoss;
                    lastLoss = loss;
                    step++;
                }
            }
        }
        monitor.close();
        List<StepRecord> records = monitor.records();
        Outcome r = new Outcome(name, firstLoss, lastLoss, TextSummary.firstToLastRatio(records.get(0)),
                TextSummary.firstToLastRatio(records.get(records.size() - 1)), monitor.diagnostics());
        Path dir = MonitorReports.writeAll(monitor, "Gradient flow: " + name, out.resolve(name));
        if (!print) {
            return r;
        }
        System.out.printf(Locale.ROOT, "== %s (lr %s%s): loss %.4g -> %.4g; first/last layer gradient norm %.3g at "
                + "step 0, %.3g at the end; reports in %s%n", name, lr, clip > 0 ? ", clip norm " + clip : "",
                firstLoss, lastLoss, r.ratioAtStart(), r.ratioAtEnd(), dir);
        System.out.println(TextSummary.of(monitor));
        return r;
    }

    private static String counts(Outcome r) {
        if (r.diagnostics().isEmpty()) {
            return "none";
        }
        return r.diagnostics().stream().collect(Collectors.groupingBy(d -> d.kind().name(),
                java.util.TreeMap::new, Collectors.mapping(Diagnostic::layer, Collectors.joining(",", "[", "]"))))
                .entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("; "));
    }
}
