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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.Workspace;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.data.ImageTransform;
import org.tapegrad.core.data.ImageTransforms;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.io.Checkpoint;
import org.tapegrad.monitor.GradientMonitor;
import org.tapegrad.monitor.LiveReports;
import org.tapegrad.monitor.MonitorReports;
import org.tapegrad.monitor.TextSummary;
import org.tapegrad.nn.Conv2d;
import org.tapegrad.nn.Flatten;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.MaxPool2d;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.Unflatten;
import org.tapegrad.nn.train.Accuracy;
import org.tapegrad.nn.train.Evaluation;
import org.tapegrad.nn.train.ProgressBar;
import org.tapegrad.nn.train.RunningMean;
import org.tapegrad.optim.Adam;
import org.tapegrad.optim.AdamW;
import org.tapegrad.optim.CosineAnnealingLr;
import org.tapegrad.optim.LrScheduler;
import org.tapegrad.optim.Optimizer;
import org.tapegrad.optim.Sgd;

/**
 * {@code mnist}: trains a classifier on MNIST (embedded in the jar) or any data set in its IDX layout, with a
 * hand-written loop over the library's pieces: DataLoader, Layer, Losses, an Optimizer and a schedule,
 * Evaluation, metrics, a progress bar, checkpoints.
 */
final class MnistTrain {
    private static final Logger log = LoggerFactory.getLogger(MnistTrain.class);
    /** The files {@code --monitor} writes into its folder. */
    static final Set<String> MONITOR_FILES = Set.of(MonitorReports.JSONL, MonitorReports.CSV, MonitorReports.HTML,
            MonitorReports.SUMMARY, MonitorReports.TIME_STEPS_JSONL);

    /** An MNIST image: one channel of 28 x 28, as the 784 values of a row. */
    static final ImageTransform.Shape MNIST_IMAGE = new ImageTransform.Shape(1, 28, 28);

    private MnistTrain() {
    }

    /** {@code --augment}: a random shift by up to 2 pixels, then a rotation by up to 10 degrees. */
    static ImageTransform augmentation() {
        return ImageTransform.compose(ImageTransforms.randomCrop(2), ImageTransforms.randomRotation(10));
    }

    /** Everything a run depends on. */
    record Config(String model, String optimizer, double lr, int epochs, int stopAfter, int batchSize, long seed,
            int threads, Path data, Path checkpoint, Path resume, Path report, boolean progress,
            boolean skipNonFinite, boolean augment) {
        /** A run without augmentation. */
        Config(String model, String optimizer, double lr, int epochs, int stopAfter, int batchSize, long seed,
                int threads, Path data, Path checkpoint, Path resume, Path report, boolean progress,
                boolean skipNonFinite) {
            this(model, optimizer, lr, epochs, stopAfter, batchSize, seed, threads, data, checkpoint, resume, report,
                    progress, skipNonFinite, false);
        }

        Config {
            if (stopAfter < 1 || stopAfter > epochs) {
                throw new IllegalArgumentException("--stop-after must be between 1 and --epochs (" + epochs + "), got "
                        + stopAfter);
            }
            if (!model.equals("mlp") && !model.equals("cnn")) {
                throw new IllegalArgumentException("--model: unknown model '" + model + "' (available: mlp, cnn)");
            }
            if (!Set.of("sgd", "momentum", "adam", "adamw").contains(optimizer)) {
                throw new IllegalArgumentException("--optimizer: unknown optimizer '" + optimizer
                        + "' (available: sgd, momentum, adam, adamw)");
            }
        }

        /**
         * Refuses, before any training, outputs that cannot be written or that clash (the same file twice, a file
         * inside the monitor folder under the name of one of its reports, an output over the {@code --resume} file),
         * and a {@code --resume} file that cannot be read.
         */
        void checkPaths(Path monitorDir) {
            Map<String, Path> files = new LinkedHashMap<>();
            files.put("--checkpoint", checkpoint);
            files.put("--report", report);
            OutputPaths.check(files, monitorDir == null ? Map.of() : Map.of("--monitor", monitorDir),
                    Map.of("--monitor", MONITOR_FILES));
            OutputPaths.checkInput("--resume", resume);
            Map<String, Path> others = new LinkedHashMap<>(); // --checkpoint may be the --resume file: it continues it
            others.put("--report", report);
            if (monitorDir != null) {
                others.put("--monitor", monitorDir);
                for (String name : MONITOR_FILES) {
                    others.put("--monitor (its " + name + ")", monitorDir.resolve(name));
                }
            }
            OutputPaths.notOverwriting("--resume", resume, others);
        }

        static double defaultLr(String optimizer) {
            return switch (optimizer) {
                case "sgd" -> 0.1;
                case "momentum" -> 0.05;
                default -> 1e-3;
            };
        }
    }

    /** One epoch's figures. */
    record EpochResult(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
            double samplesPerSecond, double seconds) {
    }

    static void main(String[] args) throws IOException {
        Options o = new Options(args, Set.of("model", "optimizer", "lr", "epochs", "batch-size", "seed", "threads",
                "data", "checkpoint", "resume", "report", "stop-after", "monitor", "monitor-every"),
                Set.of("skip-nonfinite", "augment"));
        if (o.help) {
            System.out.println("""
                    Usage: mnist [options]
                      --model mlp            784-256-256-256-10 ReLU network (335,114 parameters)
                      --model cnn            two conv-relu-maxpool blocks and two linear layers (80,202 parameters)
                      --optimizer NAME       sgd, momentum (default: SGD, momentum 0.9), adam, adamw
                      --lr RATE              learning rate (default: sgd 0.1, momentum 0.05, adam/adamw 0.001)
                      --epochs N             passes over the training set (default 10, cnn 3), with cosine annealing
                      --stop-after N         stop after epoch N of the schedule (resume later with --resume)
                      --batch-size N         examples per step (default 128)
                      --seed N               seed of initialisation and shuffling (default 1)
                      --threads N            threads for matrix products (default 1)
                      --data DIR             a folder with the four MNIST-layout IDX files (default: MNIST in the jar)
                      --checkpoint FILE      save model, optimizer and schedule after every epoch (safetensors)
                      --resume FILE          continue from a checkpoint written by --checkpoint
                      --report FILE          write a JSON summary of the run (a NaN or infinite figure is null)
                      --skip-nonfinite       skip a step whose loss or gradient is NaN or infinite (default: stop
                                             the run with exit code 1)
                      --augment              augment the training images: random shift by up to 2 pixels and
                                             rotation by up to 10 degrees, per example and seeded
                      --monitor DIR          watch gradient flow; write gradients.jsonl, .csv, .html and summary.txt
                      --monitor-every N      sample every N-th step for --monitor (default 10)""");
            return;
        }
        String optimizer = o.text("optimizer", "momentum");
        String modelName = o.text("model", "mlp");
        int epochs = o.integer("epochs", modelName.equals("cnn") ? 3 : 10, 1);
        Config config = new Config(modelName, optimizer, o.real("lr", Config.defaultLr(optimizer)),
                epochs, o.integer("stop-after", epochs, 1), o.integer("batch-size", 128, 1), o.integer("seed", 1, 0),
                o.integer("threads", 1, 1), o.path("data"), o.path("checkpoint"), o.path("resume"), o.path("report"),
                true, o.flag("skip-nonfinite"), o.flag("augment"));
        config.checkPaths(o.path("monitor")); // before the data is read
        MnistData data = config.data() == null ? MnistData.embedded() : MnistData.fromDirectory(config.data());
        run(config, data, true, o.path("monitor"), o.integer("monitor-every", 10, 1));
    }

    static Layer mlp(Random rng) {
        return new Sequential(new Linear(784, 256, rng), new Relu(), new Linear(256, 256, rng), new Relu(),
                new Linear(256, 256, rng), new Relu(), new Linear(256, 10, rng));
    }

    /**
     * 1x28x28 -> conv 5x5 -> 16x24x24 -> maxpool 2 -> 16x12x12 -> conv 5x5 -> 32x8x8 -> maxpool 2 -> 32x4x4 -> 512
     * -> 128 -> 10, ReLU after each conv and the first linear layer (80,202 parameters); takes MNIST rows [N, 784].
     */
    static Layer cnn(Random rng) {
        return new Sequential(new Unflatten(1, 1, 28, 28),
                new Conv2d(1, 16, 5, rng), new Relu(), new MaxPool2d(2),
                new Conv2d(16, 32, 5, rng), new Relu(), new MaxPool2d(2),
                new Flatten(), new Linear(512, 128, rng), new Relu(), new Linear(128, 10, rng));
    }

    static Optimizer<?> optimizer(String name, List<Tensor> params, double lr) {
        return switch (name) {
            case "sgd" -> new Sgd(params, Sgd.Options.of(lr));
            case "momentum" -> new Sgd(params, Sgd.Options.of(lr).withMomentum(0.9));
            case "adam" -> new Adam(params, Adam.Options.of(lr));
            case "adamw" -> new AdamW(params, AdamW.Options.of(lr));
            default -> throw new IllegalArgumentException("unknown optimizer " + name);
        };
    }

    /** Trains as configured and returns one result per epoch run; prints a line per epoch when {@code print}. */
    static List<EpochResult> run(Config c, MnistData data, boolean print) throws IOException {
        return run(c, data, print, null, 10);
    }

    /**
     * {@link #run(Config, MnistData, boolean)} under a gradient monitor writing its reports to {@code monitorDir}.
     * The output paths are checked first ({@link Config#checkPaths}). A step whose loss is NaN or infinite stops
     * the run with a {@link NonFiniteLossException}, unless {@code c.skipNonFinite()}: then that step, and any step
     * with a non-finite gradient, changes nothing and is counted. Resuming a run that has already done
     * {@code c.stopAfter()} epochs trains nothing, says so, and still writes the report (of the loaded model).
     */
    static List<EpochResult> run(Config c, MnistData data, boolean print, Path monitorDir, int monitorEvery)
            throws IOException {
        c.checkPaths(monitorDir);
        if (c.threads() > 1) {
            Matmul.use(Matmul.best(c.threads()));
        }
        long start = System.nanoTime();
        Layer model = c.model().equals("cnn") ? cnn(new Random(c.seed())) : mlp(new Random(c.seed()));
        Optimizer<?> optimizer = optimizer(c.optimizer(), model.parameters(), c.lr());
        optimizer.setSkipNonFinite(c.skipNonFinite());
        LrScheduler schedule = new CosineAnnealingLr(optimizer, c.epochs(), 0);
        int firstEpoch = 1;
        if (c.resume() != null) {
            Checkpoint saved = Checkpoint.load(c.resume());
            model.loadStateDict(saved.part("model"), true);
            optimizer.loadStateDict(saved.part("optimizer"));
            schedule.loadStateDict(saved.part("schedule"));
            firstEpoch = savedEpoch(c.resume(), saved) + 1;
            log.info("Resumed from {} after epoch {}", c.resume(), firstEpoch - 1);
        }
        if (print) {
            System.out.printf("%s, %d training and %d test examples; model %s (%,d parameters); optimizer %s, lr %s, "
                    + "batch %d, seed %d, threads %d%s%n", data.name(), data.train().size(), data.test().size(),
                    c.model(), model.numParameters(), c.optimizer(), c.lr(), c.batchSize(), c.seed(), c.threads(),
                    c.augment() ? "; training images augmented (shift <= 2 px, rotation <= 10 degrees)" : "");
        }
        List<EpochResult> results = new ArrayList<>();
        long skippedLosses = 0;
        GradientMonitor monitor = monitorDir == null ? null : GradientMonitor.attach(model, monitorEvery);
        Workspace workspace = new Workspace(); // each step reuses the storage of the one before
        // The reports grow while training runs (lines appended per sample, the page rewritten every 10 samples), and
        // are completed when the run ends, also when it fails.
        try (LiveReports live = monitor == null ? null : LiveReports.start(monitor, "MNIST " + c.model() + ", "
                + c.optimizer() + ", lr " + c.lr(), monitorDir, 10);
                DataLoader train = new DataLoader(data.train(), c.batchSize(), true, c.seed(), false, true);
                DataLoader test = new DataLoader(data.test(), 1000, false, 0, false, false)) {
            if (firstEpoch > c.stopAfter()) {
                String why = firstEpoch > c.epochs() ? "the run is finished (" + c.epochs() + " epochs)"
                        : "--stop-after is " + c.stopAfter();
                String notice = String.format("%s holds epoch %d and %s: nothing to train%s", c.resume(),
                        firstEpoch - 1, why, c.report() == null ? "" : "; the report describes the loaded model");
                if (print) {
                    System.out.println(notice);
                } else {
                    log.info(notice);
                }
                if (c.report() != null) {
                    Evaluation.Result eval = Evaluation.evaluate(model, test);
                    EpochResult loaded = new EpochResult(firstEpoch - 1, Double.NaN, Double.NaN, eval.loss(),
                            eval.accuracy(), Double.NaN, 0);
                    writeReport(c, data, model, List.of(loaded), 0, optimizer.skippedSteps(),
                            (System.nanoTime() - start) / 1e9);
                }
                return results;
            }
            if (print) {
                System.out.printf("%5s %10s %9s %9s %9s %10s %8s%n", "epoch", "train_loss", "train_acc", "test_loss",
                        "test_acc", "samples/s", "seconds");
            }
            train.setEpoch(firstEpoch - 1);
            if (c.augment()) {
                train.setTransform(MNIST_IMAGE, augmentation());
            }
            for (int epoch = firstEpoch; epoch <= c.stopAfter(); epoch++) {
                long t0 = System.nanoTime();
                model.train();
                RunningMean loss = new RunningMean();
                Accuracy accuracy = new Accuracy();
                ProgressBar bar = c.progress() ? new ProgressBar("epoch " + epoch, train.batchesPerEpoch()) : null;
                int stepInEpoch = 0;
                for (Batch batch : train) {
                    stepInEpoch++;
                    double stepLoss;
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
                    if (!Double.isFinite(stepLoss)) {
                        if (!c.skipNonFinite()) {
                            if (bar != null) {
                                bar.finish();
                            }
                            throw new NonFiniteLossException(epoch, stepInEpoch, stepLoss);
                        }
                        skippedLosses++;
                        optimizer.zeroGrad(false);
                        if (bar != null) {
                            bar.step(batch.size(), loss.mean());
                        }
                        continue;
                    }
                    if (monitor != null) {
                        monitor.beforeStep();
                    }
                    optimizer.step();
                    if (monitor != null) {
                        monitor.afterStep(stepLoss);
                    }
                    optimizer.zeroGrad(false); // keep the gradient buffers: backward adds into them
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
                EpochResult r = new EpochResult(epoch, loss.mean(), accuracy.value(), eval.loss(), eval.accuracy(),
                        data.train().size() / seconds, seconds);
                results.add(r);
                if (print) {
                    System.out.printf(Locale.ROOT, "%5d %10s %8.2f%% %9s %8.2f%% %10.0f %8.1f%n", epoch,
                            Fmt.num(r.trainLoss(), 4), 100 * r.trainAccuracy(), Fmt.num(r.testLoss(), 4),
                            100 * r.testAccuracy(), r.samplesPerSecond(), r.seconds());
                }
                log.debug("epoch {} done: test accuracy {}", epoch, r.testAccuracy());
                if (c.checkpoint() != null) {
                    new Checkpoint(Map.of("model", model.stateDict(), "optimizer", optimizer.stateDict(),
                            "schedule", schedule.stateDict()), Map.of("epoch", Integer.toString(epoch),
                            "test_accuracy", Double.toString(r.testAccuracy()), "seed", Long.toString(c.seed())))
                            .save(c.checkpoint());
                }
            }
        }
        long skipped = skippedLosses + optimizer.skippedSteps();
        if (print && skipped > 0) {
            System.out.printf("skipped %d step(s) whose loss or gradient was not finite (--skip-nonfinite)%n", skipped);
        }
        if (monitor != null) {
            monitor.close();
            if (print) {
                System.out.print(TextSummary.of(monitor));
                System.out.println("Gradient monitor reports in " + monitorDir.toAbsolutePath());
            }
        }
        if (c.report() != null) {
            writeReport(c, data, model, results, results.size(), skipped, (System.nanoTime() - start) / 1e9);
        }
        return results;
    }

    /** The epoch a checkpoint was saved after (its metadata {@code epoch}), or an exception naming the file. */
    private static int savedEpoch(Path file, Checkpoint saved) throws IOException {
        String epoch = saved.metadata().get("epoch");
        try {
            int e = Integer.parseInt(String.valueOf(epoch));
            if (e >= 0) {
                return e;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IOException(file + ": metadata 'epoch' is " + (epoch == null ? "missing" : "'" + epoch + "'")
                + ", expected the number of epochs done (0 or more)");
    }

    /**
     * The {@code --report} file: the last epoch's figures ({@code test_accuracy}, {@code test_loss},
     * {@code train_loss}, {@code train_accuracy}), the epoch reached ({@code epochs}) and how many this invocation
     * trained ({@code epochs_trained}), throughput, steps skipped as non-finite, and the configuration. A figure
     * that is NaN or infinite (the train loss of a resumed run that trained nothing) is written as {@code null}.
     */
    static void writeReport(Config c, MnistData data, Layer model, List<EpochResult> results, int epochsTrained,
            long skippedSteps, double wall) throws IOException {
        EpochResult last = results.get(results.size() - 1);
        double trainSeconds = 0;
        for (EpochResult r : results) {
            trainSeconds += r.seconds();
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("test_accuracy", last.testAccuracy());
        report.put("test_loss", last.testLoss());
        report.put("train_loss", last.trainLoss());
        report.put("train_accuracy", last.trainAccuracy());
        report.put("epochs", last.epoch());
        report.put("augment", c.augment());
        report.put("epochs_trained", epochsTrained);
        report.put("train_samples_per_sec", epochsTrained * (double) data.train().size() / trainSeconds);
        report.put("skipped_steps", skippedSteps);
        report.put("wall_seconds", wall);
        report.put("parameters", model.numParameters());
        report.put("seed", c.seed());
        report.put("threads", c.threads());
        report.put("dataset", data.name());
        report.put("model", c.model());
        report.put("optimizer", c.optimizer());
        report.put("lr", c.lr());
        report.put("batch_size", c.batchSize());
        report.put("matmul_kernel", Matmul.kernel().name());
        JsonReport.write(c.report(), report);
    }
}
