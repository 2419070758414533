package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.data.Batch;
import org.tapegrad.core.data.DataLoader;
import org.tapegrad.core.data.TensorDataset;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.distributed.DistributedDataParallel;
import org.tapegrad.nn.distributed.ProcessGroup;
import org.tapegrad.nn.train.DataParallel;
import org.tapegrad.optim.Optimizer;
import org.tapegrad.optim.Sgd;
import org.tapegrad.optim.distributed.DistributedTraining;
import org.tapegrad.optim.distributed.TrainingJob;
import org.tapegrad.optim.distributed.TrainingResult;

/**
 * Twenty steps of the mnist MLP with SGD momentum on an MNIST subset, ranks as threads of this JVM over loopback TCP:
 * 2 ranks of 1 thread give DataParallel(model, 2)'s bits at every step, and stay within rounding of one
 * single-threaded backward over the global batch (float32 and float64); the rank loop equals its single-process
 * replay, and a run that fails and resumes from its checkpoint ends with the bits of an uninterrupted one.
 */
class DistributedMnistTest {
    private static final int STEPS = 20;
    private static final int BATCH = 64;

    @TempDir
    Path dir;

    private static Layer mlp(DType dtype) {
        Random rng = new Random(1);
        return new Sequential(new Linear(784, 256, true, rng, dtype), new Relu(), new Linear(256, 256, true, rng, dtype),
                new Relu(), new Linear(256, 256, true, rng, dtype), new Relu(), new Linear(256, 10, true, rng, dtype));
    }

    private static Optimizer<?> momentum(Layer model) {
        return new Sgd(model.parameters(), Sgd.Options.of(0.05).withMomentum(0.9));
    }

    /** The global batches of the 20 steps (the same on every rank: same seed). */
    private static List<Batch> batches(DType dtype) {
        TensorDataset data = DistributedFixtures.mnist(2000);
        List<Batch> out = new ArrayList<>();
        try (DataLoader loader = new DataLoader(data, BATCH, true, 3, true, false)) {
            for (Batch b : loader) {
                out.add(new Batch(b.inputs().to(dtype), b.labels()));
                if (out.size() == STEPS) {
                    break;
                }
            }
        }
        return out;
    }

    /** Every step's loss and parameters (as doubles), of a rank of {@code g} with {@code threads} threads. */
    private static double[][] rank(ProcessGroup g, DType dtype, int threads) {
        Layer model = mlp(dtype);
        Optimizer<?> optimizer = momentum(model);
        double[][] out = new double[STEPS][];
        try (DistributedDataParallel ddp = new DistributedDataParallel(model, g, threads)) {
            List<Batch> batches = batches(dtype);
            for (int s = 0; s < STEPS; s++) {
                Batch b = batches.get(s);
                int from = DistributedDataParallel.shardStart(BATCH, g.rank(), g.worldSize());
                int to = DistributedDataParallel.shardStart(BATCH, g.rank() + 1, g.worldSize());
                double loss = ddp.backward(b.inputs().narrow(0, from, to - from),
                        Arrays.copyOfRange(b.labels(), from, to), Losses::crossEntropy, BATCH);
                optimizer.step(ddp.team());
                ddp.zeroGrad();
                out[s] = withLoss(loss, model);
            }
        }
        return out;
    }

    private static double[] withLoss(double loss, Layer model) {
        double[] all = new double[1 + (int) model.numParameters()];
        all[0] = loss;
        int at = 1;
        for (Tensor p : model.parameters()) {
            double[] v = p.toDoubleArray();
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return all;
    }

    /** Every step's loss and parameters of one process: DataParallel on {@code threads}, or one plain backward. */
    private static double[][] single(DType dtype, int threads) {
        Layer model = mlp(dtype);
        Optimizer<?> optimizer = momentum(model);
        double[][] out = new double[STEPS][];
        List<Batch> batches = batches(dtype);
        try (DataParallel parallel = threads > 0 ? new DataParallel(model, threads) : null) {
            for (int s = 0; s < STEPS; s++) {
                Batch b = batches.get(s);
                double loss;
                if (parallel != null) {
                    loss = parallel.backward(b.inputs(), b.labels(), Losses::crossEntropy);
                    optimizer.step(parallel.team());
                    parallel.zeroGrad();
                } else {
                    try (Tape tape = Tape.record()) {
                        Tensor l = Losses.crossEntropy(model.call(b.inputs()), b.labels());
                        tape.backward(l);
                        loss = l.item();
                    }
                    optimizer.step();
                    optimizer.zeroGrad(false);
                }
                out[s] = withLoss(loss, model);
            }
        }
        return out;
    }

    /** max |a - b| / max |b|, over the loss and the parameters of one step. */
    private static double relative(double[] a, double[] b) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return diff / scale;
    }

    @Test
    void twoRanksOfOneThreadAreDataParallelOfTwoAtEveryStepAndCloseToOneBackward() throws Exception {
        List<double[][]> ranks = DistributedFixtures.ranks(2, g -> rank(g, DType.FLOAT32, 1));
        double[][] dataParallel = single(DType.FLOAT32, 2);
        double[][] plain = single(DType.FLOAT32, 0);
        double largest = 0;
        for (int s = 0; s < STEPS; s++) {
            for (double[][] r : ranks) {
                assertArrayEquals(dataParallel[s], r[s], 0.0, "step " + s);
            }
            double rel = relative(ranks.get(0)[s], plain[s]);
            largest = Math.max(largest, rel);
            assertTrue(rel <= 1e-5, "step " + s + ": relative difference " + rel);
        }
        assertTrue(largest > 0, "float32 sums in another order must differ somewhere (else the check is empty)");
    }

    @Test
    void float64RanksAreOneBackwardToRounding() throws Exception {
        double[][] plain = single(DType.FLOAT64, 0);
        // 2 ranks of 2 threads: four uneven-free slices of 16 rows, summed in two stages (threads, then ranks)
        List<double[][]> ranks = DistributedFixtures.ranks(2, g -> rank(g, DType.FLOAT64, 2));
        for (int s = 0; s < STEPS; s++) {
            assertArrayEquals(ranks.get(0)[s], ranks.get(1)[s], 0.0, "the ranks agree bit for bit");
            double rel = relative(ranks.get(0)[s], plain[s]);
            assertTrue(rel <= 1e-12, "step " + s + ": relative difference " + rel);
        }
    }

    @Test
    void theRankLoopIsItsSingleProcessReplay() throws Exception {
        TensorDataset[] shards = DistributedFixtures.shards(DistributedFixtures.mnist(1500), 2);
        TrainingJob job = DistributedFixtures.job(STEPS);
        List<TrainingResult> results = DistributedFixtures.ranks(2,
                g -> DistributedTraining.run(g, shards[g.rank()], job, "replay", 0));
        DistributedFixtures.Replay replay = DistributedFixtures.replay(shards, job);
        TrainingResult r0 = results.get(0);
        assertArrayEquals(replay.losses(), r0.stepLosses(), 0.0);
        assertParams(replay.params(), r0);
        assertEquals(0, results.get(1).stepLosses().length);
        assertEquals(STEPS, results.get(1).exchangeMillis().length);
        assertEquals(750 / 32, r0.stepsPerEpoch());
    }

    static void assertParams(float[][] expected, TrainingResult result) {
        Layer model = MnistTrain.mlp(new Random(99));
        model.loadStateDict(result.modelState(), true);
        float[][] actual = DistributedFixtures.params(model);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], 0f, "parameter " + i);
        }
    }

    @Test
    void aRunResumedFromItsCheckpointEndsWithTheBitsOfAnUninterruptedOne() throws Exception {
        TensorDataset[] shards = DistributedFixtures.shards(DistributedFixtures.mnist(1500), 2);
        TrainingJob plain = DistributedFixtures.job(STEPS);
        TrainingJob.Settings checkpointed = plain.settings().withCheckpoints(dir.toString(), 5);
        List<TrainingResult> whole = DistributedFixtures.ranks(2,
                g -> DistributedTraining.run(g, shards[g.rank()], plain, "whole", 0));
        // Attempt 0: rank 1's model fails in its 13th forward pass (step 12); rank 0 wrote checkpoints at 5 and 10.
        TrainingJob failing = plain.withSettings(checkpointed);
        Exception e = assertThrows(Exception.class, () -> DistributedFixtures.ranks(2, g -> DistributedTraining.run(
                g, shards[g.rank()], g.rank() == 1 ? failAt(failing, 13) : failing, "resumed", 0)));
        assertTrue(e.getMessage().contains("failed on purpose") || e.getMessage().contains("rank 1"), e.toString());
        List<TrainingResult> resumed = DistributedFixtures.ranks(2,
                g -> DistributedTraining.run(g, shards[g.rank()], failing, "resumed", 1));
        assertEquals(10, resumed.get(0).resumedFromStep());
        assertEquals(10, resumed.get(0).exchangeMillis().length, "only the steps after the checkpoint ran again");
        assertArrayEquals(whole.get(0).stepLosses(), resumed.get(0).stepLosses(), 0.0);
        assertParams(paramsOf(whole.get(0)), resumed.get(0));
    }

    /** The job whose model throws in its {@code call}-th forward pass. */
    static TrainingJob failAt(TrainingJob job, int call) {
        TrainingJob.ModelFactory inner = job.model();
        return new TrainingJob(() -> {
            Layer m = inner.create();
            int[] calls = {0};
            m.registerForwardPreHook((layer, x) -> {
                if (++calls[0] == call) {
                    throw new IllegalStateException("failed on purpose in forward pass " + call);
                }
                return null;
            });
            return m;
        }, job.optimizer(), job.schedule(), job.loss(), job.settings());
    }

    static float[][] paramsOf(TrainingResult r) {
        Layer model = MnistTrain.mlp(new Random(99));
        model.loadStateDict(r.modelState(), true);
        return DistributedFixtures.params(model);
    }
}
