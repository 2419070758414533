package org.tapegrad.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.distributed.DistributedDataParallel;
import org.tapegrad.nn.distributed.ProcessGroup;
import org.tapegrad.nn.train.Evaluation;
import org.tapegrad.optim.CosineAnnealingLr;
import org.tapegrad.optim.distributed.DistributedTraining;
import org.tapegrad.optim.distributed.LabeledExample;
import org.tapegrad.optim.distributed.SparkTrainer;
import org.tapegrad.optim.distributed.TrainingJob;
import org.tapegrad.optim.distributed.TrainingResult;

/**
 * {@code mnist-spark} and {@code mnist-ddp}: the {@code mnist} classifier trained data-parallel over several ranks,
 * launched by Spark (one barrier task per rank, under {@code spark-submit} or with {@code --master local[N]}) or
 * started as plain processes with torch-style environment variables. Rank r's shard is the contiguous run
 * {@code [floor(60000·r/W), floor(60000·(r+1)/W))} of the training set; the global batch, learning rate, schedule
 * (cosine over the epochs) and seed are {@code mnist}'s. Rank 0's model is evaluated on the test set at the end.
 */
final class MnistDistributed {
    private static final Set<String> OPTIONS = Set.of("model", "optimizer", "lr", "epochs", "batch-size", "seed",
            "threads", "max-steps", "checkpoint-dir", "checkpoint-every", "timeout-seconds", "master", "ranks");

    private MnistDistributed() {
    }

    /** {@code mnist-spark}: one Spark barrier task per rank. */
    static void spark(String[] args) throws IOException {
        Options o = new Options(args, OPTIONS);
        if (o.help) {
            System.out.println("""
                    Usage: mnist-spark [options]   (under spark-submit, or with --master local[N])
                      --master URL           Spark master (default: spark-submit's; local[2] is two ranks in this JVM)
                      --ranks N              ranks, one barrier task each (default 2; the cluster needs N free slots)
                    """ + common());
            return;
        }
        TrainingJob job = job(o);
        int ranks = o.integer("ranks", 2, 1);
        SparkConf conf = new SparkConf().setAppName("tapegrad-mnist");
        String master = o.text("master", null);
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            throw new IllegalArgumentException("no Spark master: run under spark-submit, or pass --master local[2]");
        }
        long t0 = System.nanoTime();
        TrainingResult result;
        try (JavaSparkContext spark = new JavaSparkContext(conf)) {
            int n = 60_000;
            JavaRDD<LabeledExample> examples = spark.parallelize(ranksList(ranks), ranks)
                    .flatMap(r -> shardExamples(r, ranks, n).iterator()); // read from the jar on each executor
            result = SparkTrainer.fit(examples, job);
        }
        report(o, job, result, (System.nanoTime() - t0) / 1e9);
        // Spark 3.5's barrier-task timer thread is not a daemon: after stop() it keeps a local-mode JVM alive.
        System.exit(0);
    }

    /** {@code mnist-ddp}: this process is rank {@code RANK} of {@code WORLD_SIZE}, rank 0 at MASTER_ADDR:MASTER_PORT. */
    static void environment(String[] args) throws IOException {
        Options o = new Options(args, OPTIONS);
        if (o.help) {
            System.out.println("""
                    Usage: RANK=r WORLD_SIZE=w MASTER_ADDR=host MASTER_PORT=port mnist-ddp [options]
                      (start one process per rank; rank 0 listens on MASTER_PORT and prints the result)
                    """ + common());
            return;
        }
        TrainingJob job = job(o);
        ProcessGroup.Settings s = ProcessGroup.Settings.of(System.getenv());
        long t0 = System.nanoTime();
        MnistData data = MnistData.embedded();
        TensorDataset shard = shard(data.train(), s.rank(), s.worldSize());
        TrainingResult result;
        try (ProcessGroup group = ProcessGroup.connect(s.rank(), s.worldSize(), s.master(),
                job.settings().timeout())) {
            result = DistributedTraining.run(group, shard, job, "mnist-ddp", 0);
        }
        if (s.rank() == 0) {
            report(o, job, result, (System.nanoTime() - t0) / 1e9);
        } else {
            System.out.printf(Locale.ROOT, "rank %d done: exchange %.2f ms, step %.2f ms (medians)%n", s.rank(),
                    result.medianExchangeMillis(), result.medianStepMillis());
        }
    }

    private static String common() {
        return """
                  --model mlp|cnn        as mnist (default mlp)
                  --optimizer NAME       sgd, momentum (default), adam, adamw
                  --lr RATE              default as mnist (momentum 0.05)
                  --epochs N             default 10 (cnn 3), cosine-annealed
                  --batch-size N         the global batch, over all ranks (default 128)
                  --seed N               initialisation and shuffling (default 1)
                  --threads N            DataParallel threads per rank (default 1; on Spark set spark.task.cpus)
                  --max-steps N          stop after N steps (default: all epochs)
                  --checkpoint-dir DIR   rank 0 writes checkpoints there (shared by all ranks); Spark resumes from it
                  --checkpoint-every N   steps between checkpoints (default 500 with --checkpoint-dir)
                  --timeout-seconds N    how long a rank waits for the others (default 300)""";
    }

    private static TrainingJob job(Options o) {
        String model = o.text("model", "mlp");
        String optimizer = o.text("optimizer", "momentum");
        int epochs = o.integer("epochs", model.equals("cnn") ? 3 : 10, 1);
        double lr = o.real("lr", MnistTrain.Config.defaultLr(optimizer));
        // validated as mnist validates them
        new MnistTrain.Config(model, optimizer, lr, epochs, epochs, 128, 1, 1, null, null, null, null, false, false);
        long seed = o.integer("seed", 1, 0);
        String dir = o.text("checkpoint-dir", null);
        TrainingJob.Settings settings = TrainingJob.Settings.of(o.integer("batch-size", 128, 1), epochs, seed)
                .withMaxSteps(o.integer("max-steps", 0, 0))
                .withThreadsPerRank(o.integer("threads", 1, 1))
                .withTimeout(Duration.ofSeconds(o.integer("timeout-seconds", 300, 1)));
        if (dir != null) {
            settings = settings.withCheckpoints(dir, o.integer("checkpoint-every", 500, 1));
        }
        TrainingJob.ModelFactory factory = model.equals("cnn") ? () -> MnistTrain.cnn(new Random(seed))
                : () -> MnistTrain.mlp(new Random(seed));
        return TrainingJob.of(factory, params -> MnistTrain.optimizer(optimizer, params, lr), settings)
                .withSchedule(opt -> new CosineAnnealingLr(opt, epochs, 0));
    }

    private static List<Integer> ranksList(int ranks) {
        List<Integer> list = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            list.add(r);
        }
        return list;
    }

    /** Rank r's contiguous shard of the first {@code n} training examples, read from the jar's MNIST. */
    static List<LabeledExample> shardExamples(int r, int ranks, int n) {
        TensorDataset s;
        try {
            s = shard(MnistData.embedded().train().head(n), r, ranks);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<LabeledExample> out = new ArrayList<>();
        float[] x = s.inputs().float32Matrix().data;
        int width = s.inputs().size(1);
        for (int i = 0; i < s.size(); i++) {
            out.add(new LabeledExample(Arrays.copyOfRange(x, i * width, (i + 1) * width), s.labels()[i]));
        }
        return out;
    }

    static TensorDataset shard(TensorDataset all, int r, int ranks) {
        int from = DistributedDataParallel.shardStart(all.size(), r, ranks);
        int to = DistributedDataParallel.shardStart(all.size(), r + 1, ranks);
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        Batch b = all.batch(idx);
        return new TensorDataset(b.inputs(), b.labels());
    }

    private static void report(Options o, TrainingJob job, TrainingResult result, double wall) throws IOException {
        Layer model = job.model().create();
        model.loadStateDict(result.modelState(), true);
        MnistData data = MnistData.embedded();
        Evaluation.Result test;
        try (DataLoader loader = new DataLoader(data.test(), 1000, false, 0, false, false)) {
            test = Evaluation.evaluate(model, loader);
        }
        double[] losses = result.stepLosses();
        int last = Math.min(losses.length, result.stepsPerEpoch());
        double lastEpoch = 0;
        for (int i = losses.length - last; i < losses.length; i++) {
            lastEpoch += losses[i] / last;
        }
        System.out.printf(Locale.ROOT, "%d ranks, global batch %d, %d steps (%d per epoch), attempt %d%s%n",
                result.worldSize(), job.settings().globalBatch(), losses.length, result.stepsPerEpoch(),
                result.attempt(), result.resumedFromStep() > 0 ? ", resumed from step " + result.resumedFromStep()
                        : "");
        System.out.printf(Locale.ROOT, "train loss (last epoch) %.4f, test loss %.4f, test accuracy %.2f%%%n",
                lastEpoch, test.loss(), 100 * test.accuracy());
        System.out.printf(Locale.ROOT, "rank 0 per step: gradient exchange %.2f ms, whole step %.2f ms (medians); "
                + "wall %.1f s%n", result.medianExchangeMillis(), result.medianStepMillis(), wall);
    }
}
