package org.tapegrad.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.distributed.DistributedDataParallel;
import org.tapegrad.nn.distributed.ProcessGroup;
import org.tapegrad.nn.train.DataParallel;
import org.tapegrad.optim.Optimizer;
import org.tapegrad.optim.Sgd;
import org.tapegrad.optim.distributed.LabeledExample;
import org.tapegrad.optim.distributed.TrainingJob;

/** MNIST subsets, shards, a training job, ranks as threads, and the single-process replay of a distributed run. */
final class DistributedFixtures {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static TensorDataset train;

    private DistributedFixtures() {
    }

    /** The first {@code n} MNIST training examples. */
    static synchronized TensorDataset mnist(int n) {
        if (train == null) {
            try {
                train = MnistData.embedded().train();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return train.head(n);
    }

    /** {@code data} cut into {@code w} contiguous shards, {@code [floor(n·r/w), floor(n·(r+1)/w))}. */
    static TensorDataset[] shards(TensorDataset data, int w) {
        TensorDataset[] out = new TensorDataset[w];
        int n = data.size();
        for (int r = 0; r < w; r++) {
            int from = DistributedDataParallel.shardStart(n, r, w);
            int to = DistributedDataParallel.shardStart(n, r + 1, w);
            int[] idx = new int[to - from];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            Batch b = data.batch(idx);
            out[r] = new TensorDataset(b.inputs(), b.labels());
        }
        return out;
    }

    /** {@code data} as a list of examples, in order. */
    static List<LabeledExample> examples(TensorDataset data) {
        List<LabeledExample> out = new ArrayList<>();
        int width = data.inputs().size(1);
        float[] x = data.inputs().float32Matrix().data;
        for (int i = 0; i < data.size(); i++) {
            out.add(new LabeledExample(Arrays.copyOfRange(x, i * width, (i + 1) * width), data.labels()[i]));
        }
        return out;
    }

    /** The mnist MLP (seed 1), SGD momentum 0.9 at lr 0.05, global batch 64, {@code steps} steps. */
    static TrainingJob job(int steps) {
        return TrainingJob.of(() -> MnistTrain.mlp(new Random(1)),
                params -> new Sgd(params, Sgd.Options.of(0.05).withMomentum(0.9)),
                TrainingJob.Settings.of(64, 100, 7).withMaxSteps(steps).withTimeout(TIMEOUT).withCheckEvery(5));
    }

    /** What one rank does with its group. */
    interface Body<T> {
        T run(ProcessGroup group) throws Exception;
    }

    /** Runs {@code w} ranks as threads over loopback and returns their results by rank. */
    static <T> List<T> ranks(int w, Body<T> body) throws Exception {
        ProcessGroup.Master master = ProcessGroup.Master.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                0));
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), master.address().getPort());
        ExecutorService pool = Executors.newFixedThreadPool(w);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < w; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (ProcessGroup g = rank == 0 ? master.accept(w, TIMEOUT)
                            : ProcessGroup.join(rank, w, address, TIMEOUT)) {
                        return body.run(g);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    out.add(f.get(2, TimeUnit.MINUTES));
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception x ? x : e;
                }
            }
            return out;
        } finally {
            master.close();
            pool.shutdownNow();
        }
    }

    /** A replayed run: every step's loss and the final parameters. */
    record Replay(double[] losses, float[][] params) {
    }

    /**
     * The single-process twin of {@code DistributedTraining.run} on these shards: each step's global batch is the
     * ranks' rows (as its Javadoc defines them) concatenated in rank order, backpropagated by
     * {@code DataParallel(model, shards.length)}.
     */
    static Replay replay(TensorDataset[] shards, TrainingJob job) {
        int w = shards.length;
        TrainingJob.Settings s = job.settings();
        int batch = s.globalBatch();
        int[] share = new int[w];
        int stepsPerEpoch = Integer.MAX_VALUE;
        DataLoader[] orders = new DataLoader[w];
        for (int r = 0; r < w; r++) {
            share[r] = DistributedDataParallel.shardStart(batch, r + 1, w)
                    - DistributedDataParallel.shardStart(batch, r, w);
            stepsPerEpoch = Math.min(stepsPerEpoch, shards[r].size() / share[r]);
            orders[r] = new DataLoader(shards[r], share[r], true, s.seed() + r * 0x9E3779B97F4A7C15L, true, false);
        }
        Layer model = job.model().create();
        model.train();
        Optimizer<?> optimizer = job.optimizer().create(model.parameters());
        double[] losses = new double[s.maxSteps()];
        try (DataParallel parallel = new DataParallel(model, w)) {
            for (int step = 0; step < s.maxSteps(); step++) {
                int epoch = step / stepsPerEpoch;
                int k = step % stepsPerEpoch;
                List<Tensor> xs = new ArrayList<>();
                int[] y = new int[batch];
                int at = 0;
                for (int r = 0; r < w; r++) {
                    int[] idx = Arrays.copyOfRange(orders[r].order(epoch), k * share[r], (k + 1) * share[r]);
                    Batch b = shards[r].batch(idx);
                    xs.add(b.inputs());
                    System.arraycopy(b.labels(), 0, y, at, share[r]);
                    at += share[r];
                }
                losses[step] = parallel.backward(Tensor.concat(xs, 0), y, Losses::crossEntropy);
                optimizer.step(parallel.team());
                parallel.zeroGrad();
            }
        }
        return new Replay(losses, params(model));
    }

    static float[][] params(Layer model) {
        List<Tensor> p = model.parameters();
        float[][] out = new float[p.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i).toFloatArray();
        }
        return out;
    }
}
