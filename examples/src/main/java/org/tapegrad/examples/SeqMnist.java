package org.tapegrad.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.Workspace;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.monitor.GradientMonitor;
import org.tapegrad.monitor.LiveReports;
import org.tapegrad.monitor.TextSummary;
import org.tapegrad.monitor.TimeStepGradients;
import org.tapegrad.nn.Gru;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Lstm;
import org.tapegrad.nn.RecurrentLayer;
import org.tapegrad.nn.Rnn;
import org.tapegrad.nn.train.Accuracy;
import org.tapegrad.nn.train.DataParallel;
import org.tapegrad.nn.train.Evaluation;
import org.tapegrad.nn.train.ProgressBar;
import org.tapegrad.nn.train.RunningMean;
import org.tapegrad.optim.Adam;
import org.tapegrad.optim.CosineAnnealingLr;
import org.tapegrad.optim.GradClip;
import org.tapegrad.optim.LrScheduler;
import org.tapegrad.optim.Optimizer;

/**
 * {@code seq-mnist}: classifies MNIST digits read as sequences of 28 rows of 28 pixels by a recurrent network
 * ({@code --cell rnn|lstm|gru}) whose hidden state after the last row feeds a linear layer; Adam, cosine-annealed,
 * with the gradients clipped to a global norm ({@code --clip-norm}). Before and after training it measures, on one
 * training batch, how much of the loss's gradient reaches back to the first row: {@code ‖∂L/∂h_0‖/‖∂L/∂h_27‖}.
 */
final class SeqMnist {
    private SeqMnist() {
    }

    /**
     * Everything a run depends on.
     *
     * @param clipNorm the global gradient norm bound, or {@code Double.POSITIVE_INFINITY} for no clipping
     */
    record Config(String cell, int hidden, int layers, double lr, int epochs, int batchSize, double clipNorm,
            long seed, int threads, Path report, boolean progress, boolean skipNonFinite) {
        Config {
            if (!Set.of("rnn", "lstm", "gru").contains(cell)) {
                throw new IllegalArgumentException("--cell: unknown cell '" + cell + "' (available: rnn, lstm, gru)");
            }
            if (!(clipNorm > 0)) {
                throw new IllegalArgumentException("--clip-norm must be a positive number or 'none', got " + clipNorm);
            }
        }

        /** Refuses, before any training, a report and monitor folder that cannot be written or that clash. */
        void checkPaths(Path monitorDir) {
            OutputPaths.check(report == null ? Map.of() : Map.of("--report", report),
                    monitorDir == null ? Map.of() : Map.of("--monitor", monitorDir),
                    Map.of("--monitor", MnistTrain.MONITOR_FILES));
        }
    }

    /**
     * The figures of a run: one result per epoch, the first/last-step gradient ratios before and after it, the mean
     * gradient norm before clipping and the steps skipped as non-finite ({@code --skip-nonfinite}).
     */
    record Result(List<MnistTrain.EpochResult> epochs, double ratioBefore, double ratioAfter, double meanClipNorm,
            long skippedSteps) {
    }

    /** A recurrent layer over the 28 rows, then a linear layer on the last hidden state. */
    static final class SeqClassifier extends Layer {
        final RecurrentLayer rnn;
        final Linear head;

        SeqClassifier(String cell, int hidden, int layers, Random rng) {
            rnn = registerModule("rnn", switch (cell) {
                case "rnn" -> new Rnn(28, hidden, layers, "tanh", true, rng, org.tapegrad.core.DType.FLOAT32);
                case "lstm" -> new Lstm(28, hidden, layers, true, rng, org.tapegrad.core.DType.FLOAT32);
                case "gru" -> new Gru(28, hidden, layers, true, rng, org.tapegrad.core.DType.FLOAT32);
                default -> throw new IllegalArgumentException("unknown cell " + cell);
            });
            head = registerModule("head", new Linear(hidden, 10, rng));
        }

        /** Logits [N, 10] for images [N, 784]. */
        @Override
        public Tensor forward(Tensor images) {
            int n = images.size(0);
            Tensor out = rnn.call(images.reshape(n, 28, 28)); // [N, 28 steps, hidden]
            return head.call(out.narrow(1, 27, 1).reshape(n, rnn.hiddenSize()));
        }
    }

    /**
     * The default learning rate of a cell: over two epochs of the LSTM, 0.007 reached 97.60-97.91% test accuracy on
     * seeds 1-4, 0.003 96.86% (seed 1) and 0.005 97.28-97.85%; the GRU 98.25% at 0.007 (seed 1); the tanh RNN only
     * 91.18% at 0.007 against 93.27% at 0.003 (docs/PERFORMANCE.md, "seq-mnist").
     */
    static double defaultLr(String cell) {
        return cell.equals("rnn") ? 3e-3 : 7e-3;
    }
    /** The default thread count: one per core, as PyTorch's. */
    static final int CORES = Runtime.getRuntime().availableProcessors();

    static void main(String[] args) throws IOException {
        Options o = new Options(args, Set.of("cell", "hidden", "layers", "lr", "epochs", "batch-size", "clip-norm",
                "seed", "threads", "data", "report", "monitor", "monitor-every"), Set.of("skip-nonfinite"));
        if (o.help) {
            System.out.println("""
                    Usage: seq-mnist [options]
                    MNIST images read row by row: a sequence of 28 steps of 28 pixels, classified from the last
                    hidden state of a recurrent network.
                      --cell NAME            rnn (tanh), lstm (default) or gru
                      --hidden N             hidden state size (default 128)
                      --layers N             stacked recurrent layers (default 1)
                      --lr RATE              Adam learning rate, cosine-annealed to 0 (default 0.007; 0.003 for
                                             --cell rnn)
                      --epochs N             passes over the training set (default 2)
                      --batch-size N         examples per step (default 128)
                      --clip-norm X|none     clip the global gradient norm to X (default 1)
                      --seed N               seed of initialisation and shuffling (default 1)
                      --threads N            threads: each step's batch cut into one slice per thread, or with
                                             --monitor each matrix product (default: one per core, %d here)
                      --data DIR             the four MNIST-layout IDX files (default: MNIST in the jar)
                      --report FILE          write a JSON summary of the run (a NaN or infinite figure is null)
                      --skip-nonfinite       skip a step whose loss or gradient is NaN or infinite (default: stop
                                             the run with exit code 1)
                      --monitor DIR          watch gradient flow, including ‖∂L/∂h_t‖ per time step; write
                                             gradients.jsonl, .csv, .html, timesteps.jsonl and summary.txt
                      --monitor-every N      sample every N-th step for --monitor (default 10)""".formatted(CORES));
            return;
        }
        String clip = o.text("clip-norm", "1");
        double clipNorm = clip.equals("none") ? Double.POSITIVE_INFINITY : o.real("clip-norm", 1);
        String cell = o.text("cell", "lstm");
        Config c = new Config(cell, o.integer("hidden", 128, 1), o.integer("layers", 1, 1),
                o.real("lr", defaultLr(cell)), o.integer("epochs", 2, 1), o.integer("batch-size", 128, 1), clipNorm,
                o.integer("seed", 1, 0), o.integer("threads", CORES, 1), o.path("report"), true,
                o.flag("skip-nonfinite"));
        c.checkPaths(o.path("monitor")); // before the data is read
        MnistData data = o.path("data") == null ? MnistData.embedded() : MnistData.fromDirectory(o.path("data"));
        run(c, data, true, o.path("monitor"), o.integer("monitor-every", 10, 1));
    }

    /** Trains as configured; prints a line per epoch when {@code print}; writes the monitor's reports to a dir. */
    static Result run(Config c, MnistData data, boolean print, Path monitorDir, int monitorEvery) throws IOException {
        c.checkPaths(monitorDir);
        // With several threads, each step's batch is cut into one slice per thread (DataParallel), so that the
        // cells' element-wise passes run on all cores too; but the gradient monitor's hooks are not thread-safe, so
        // a monitored run cuts each matrix product instead.
        boolean slices = c.threads() > 1 && monitorDir == null;
        if (c.threads() > 1 && !slices) {
            Matmul.use(Matmul.best(c.threads()));
        }
        long start = System.nanoTime();
        SeqClassifier model = new SeqClassifier(c.cell(), c.hidden(), c.layers(), new Random(c.seed()));
        Optimizer<?> optimizer = new Adam(model.parameters(), Adam.Options.of(c.lr()));
        optimizer.setSkipNonFinite(c.skipNonFinite());
        LrScheduler schedule = new CosineAnnealingLr(optimizer, c.epochs(), 0);
        Batch probe = data.train().batch(java.util.stream.IntStream.range(0, Math.min(c.batchSize(),
                data.train().size())).toArray());
        double ratioBefore = firstToLastRatio(model, probe);
        if (print) {
            System.out.printf("%s, %d training and %d test examples, read as 28 steps of 28 pixels; %s, hidden %d, "
                    + "%d layer(s) (%,d parameters); Adam lr %s, batch %d, clip-norm %s, seed %d, threads %d%n",
                    data.name(), data.train().size(), data.test().size(), c.cell(), c.hidden(), c.layers(),
                    model.numParameters(), c.lr(), c.batchSize(), Double.isInfinite(c.clipNorm()) ? "none"
                            : c.clipNorm(), c.seed(), c.threads());
            System.out.printf(Locale.ROOT, "hidden-state gradient reaching the first row, ‖∂L/∂h_0‖/‖∂L/∂h_27‖ on one "
                    + "training batch: %.3g at initialisation%n", ratioBefore);
            System.out.println("(clipped: the share of steps whose global gradient norm exceeded --clip-norm)");
            System.out.printf("%5s %10s %9s %9s %9s %10s %8s %9s%n", "epoch", "train_loss", "train_acc", "test_loss",
                    "test_acc", "samples/s", "seconds", "clipped");
        }
        List<MnistTrain.EpochResult> results = new ArrayList<>();
        GradientMonitor monitor = monitorDir == null ? null : GradientMonitor.attach(model, monitorEvery);
        RunningMean clipNorms = new RunningMean();
        long skippedLosses = 0;
        Workspace workspace = new Workspace(); // each step reuses the storage of the one before
        // The reports grow while training runs (lines appended per sample, the page rewritten every 10 samples), and
        // are completed when the run ends, also when it fails.
        try (LiveReports live = monitor == null ? null : LiveReports.start(monitor, "Sequential MNIST, " + c.cell() + " "
                + c.hidden() + ", Adam lr " + c.lr() + ", clip-norm " + c.clipNorm(), monitorDir, 10);
                DataLoader train = new DataLoader(data.train(), c.batchSize(), true, c.seed(), false, true);
                DataLoader test = new DataLoader(data.test(), 1000, false, 0, false, false);
                DataParallel parallel = slices ? new DataParallel(model, c.threads()) : null) {
            for (int epoch = 1; epoch <= c.epochs(); epoch++) {
                long t0 = System.nanoTime();
                model.train();
                RunningMean loss = new RunningMean();
                Accuracy accuracy = new Accuracy();
                int clipped = 0;
                int steps = 0;
                ProgressBar bar = c.progress() ? new ProgressBar("epoch " + epoch, train.batchesPerEpoch()) : null;
                int batchInEpoch = 0;
                for (Batch batch : train) {
                    batchInEpoch++;
                    double stepLoss;
                    if (parallel != null) { // each slice's logits counted as the thread computes them
                        stepLoss = parallel.backward(batch.inputs(), batch.labels(), (logits, labels) -> {
                            synchronized (accuracy) {
                                accuracy.update(logits, labels);
                            }
                            return Losses.crossEntropy(logits, labels);
                        });
                        if (Double.isFinite(stepLoss)) {
                            loss.add(stepLoss, batch.size());
                        } else {
                            parallel.zeroGrad(); // the step is not taken: drop what backward added
                        }
                    } else {
                        try (Scope step = workspace.enter(); Tape tape = Tape.record()) {
                            Tensor logits = model.call(batch.inputs());
                            Tensor l = Losses.crossEntropy(logits, batch.labels());
                            stepLoss = l.item();
                            accuracy.update(logits, batch.labels());
                            if (Double.isFinite(stepLoss)) {
                                tape.backward(l);
                                loss.add(stepLoss, batch.size());
                            }
                        }
                    }
                    if (!Double.isFinite(stepLoss)) {
                        if (!c.skipNonFinite()) {
                            if (bar != null) {
                                bar.finish();
                            }
                            throw new NonFiniteLossException(epoch, batchInEpoch, stepLoss);
                        }
                        skippedLosses++;
                        if (bar != null) {
                            bar.step(batch.size(), loss.mean());
                        }
                        continue;
                    }
                    if (Double.isFinite(c.clipNorm())) {
                        double norm = GradClip.clipGradNorm(model.parameters(), c.clipNorm());
                        clipNorms.add(norm, 1);
                        clipped += norm > c.clipNorm() ? 1 : 0;
                    }
                    steps++;
                    if (monitor != null) {
                        monitor.beforeStep();
                    }
                    optimizer.step(parallel == null ? null : parallel.team());
                    if (monitor != null) {
                        monitor.afterStep(stepLoss);
                    }
                    if (parallel != null) {
                        parallel.zeroGrad();
                    } else {
                        optimizer.zeroGrad();
                    }
                    if (bar != null) {
                        bar.step(batch.size(), loss.mean());
                    }
                }
                if (bar != null) {
                    bar.finish();
                }
                schedule.step();
                double seconds = (System.nanoTime() - t0) / 1e9;
                Evaluation.Result eval = Evaluation.evaluate(model, test);
                MnistTrain.EpochResult r = new MnistTrain.EpochResult(epoch, loss.mean(), accuracy.value(),
                        eval.loss(), eval.accuracy(), data.train().size() / seconds, seconds);
                results.add(r);
                if (print) {
                    System.out.printf(Locale.ROOT, "%5d %10s %8.2f%% %9s %8.2f%% %10.0f %8.1f %9s%n", epoch,
                            Fmt.num(r.trainLoss(), 4), 100 * r.trainAccuracy(), Fmt.num(r.testLoss(), 4),
                            100 * r.testAccuracy(),
                            r.samplesPerSecond(), r.seconds(), Double.isInfinite(c.clipNorm()) ? "off"
                                    : String.format(Locale.ROOT, "%.0f%%", 100.0 * clipped / steps));
                }
            }
        }
        long skipped = skippedLosses + optimizer.skippedSteps();
        if (print && skipped > 0) {
            System.out.printf("skipped %d step(s) whose loss or gradient was not finite (--skip-nonfinite)%n", skipped);
        }
        double ratioAfter = firstToLastRatio(model, probe);
        if (print) {
            System.out.printf(Locale.ROOT, "hidden-state gradient reaching the first row, ‖∂L/∂h_0‖/‖∂L/∂h_27‖ on the "
                    + "same batch: %.3g after training (%.3g at initialisation)%n", ratioAfter, ratioBefore);
        }
        if (monitor != null) {
            monitor.close();
            if (print) {
                System.out.print(TextSummary.of(monitor));
                System.out.println("Gradient monitor reports in " + monitorDir.toAbsolutePath());
            }
        }
        Result result = new Result(results, ratioBefore, ratioAfter, clipNorms.mean(), skipped);
        if (c.report() != null) {
            writeReport(c, model, data.train().size(), result, (System.nanoTime() - start) / 1e9);
        }
        return result;
    }

    /**
     * {@code ‖∂L/∂h_0‖/‖∂L/∂h_{T-1}‖} of the top recurrent layer for the cross-entropy on {@code batch}, measured by a
     * gradient monitor sampling one step (no parameter changes; the gradients are cleared afterwards).
     */
    static double firstToLastRatio(SeqClassifier model, Batch batch) {
        GradientMonitor probe = GradientMonitor.attach(model, 1);
        try (Tape tape = Tape.record()) {
            Tensor l = Losses.crossEntropy(model.call(batch.inputs()), batch.labels());
            tape.backward(l);
            probe.beforeStep();
            probe.afterStep(l.item());
        } finally {
            probe.close();
            model.zeroGrad();
        }
        TimeStepGradients t = probe.timeSteps();
        List<String> layers = t.layerNames();
        return t.samples(layers.get(layers.size() - 1)).get(0).firstToLastRatio();
    }

    private static void writeReport(Config c, Layer model, int trainSize, Result r, double wall) throws IOException {
        MnistTrain.EpochResult last = r.epochs().get(r.epochs().size() - 1);
        double trainSeconds = r.epochs().stream().mapToDouble(MnistTrain.EpochResult::seconds).sum();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("cell", c.cell());
        report.put("test_accuracy", last.testAccuracy());
        report.put("test_loss", last.testLoss());
        report.put("train_loss", last.trainLoss());
        report.put("epochs", last.epoch());
        report.put("train_samples_per_sec", r.epochs().size() * (double) trainSize / trainSeconds);
        report.put("wall_seconds", wall);
        report.put("first_to_last_ratio_before", r.ratioBefore());
        report.put("first_to_last_ratio_after", r.ratioAfter());
        report.put("mean_grad_norm_before_clipping", r.meanClipNorm());
        report.put("skipped_steps", r.skippedSteps());
        report.put("parameters", model.numParameters());
        report.put("hidden", c.hidden());
        report.put("layers", c.layers());
        report.put("lr", c.lr());
        report.put("batch_size", c.batchSize());
        report.put("clip_norm", Double.isInfinite(c.clipNorm()) ? "none" : c.clipNorm());
        report.put("seed", c.seed());
        report.put("threads", c.threads());
        report.put("matmul_kernel", Matmul.kernel().name());
        JsonReport.write(c.report(), report);
    }
}
