package org.tapegrad.nn.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.train.DataParallel;

/**
 * Ranks as threads, each with a replica: the all-reduced gradients are those of the global batch, bit for bit those
 * of {@code DataParallel(model, W)} with one thread per rank, and the replicas start equal and are checked to stay so.
 */
class DistributedDataParallelTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int ROWS = 26;

    private static Layer model(DType dtype, long seed) {
        Random rng = new Random(seed);
        return new Sequential(new Linear(5, 16, true, rng, dtype), new Relu(), new Linear(16, 3, true, rng, dtype));
    }

    private static Tensor inputs(DType dtype, long seed) {
        return Tensor.randn(dtype, new Random(seed), ROWS, 5);
    }

    private static int[] labels(long seed) {
        Random rng = new Random(seed);
        int[] y = new int[ROWS];
        for (int i = 0; i < ROWS; i++) {
            y[i] = rng.nextInt(3);
        }
        return y;
    }

    /** Plain SGD, lr 0.1, in the parameter's precision. */
    private static void sgd(Layer model) {
        for (Tensor p : model.parameters()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] w = p.float32Matrix().data;
                float[] g = p.grad().float32Matrix().data;
                for (int i = 0; i < w.length; i++) {
                    w[i] -= 0.1f * g[i];
                }
            } else {
                double[] w = p.float64Matrix().data;
                double[] g = p.grad().float64Matrix().data;
                for (int i = 0; i < w.length; i++) {
                    w[i] -= 0.1 * g[i];
                }
            }
            p.markModified();
        }
    }

    private static double[] flat(Layer model) {
        List<Double> all = new ArrayList<>();
        for (Tensor p : model.parameters()) {
            for (double v : p.toDoubleArray()) {
                all.add(v);
            }
        }
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** One step's result on one rank: the loss and the parameters after the update. */
    private record Step(double loss, double[] params) {
    }

    /** Steps of a rank with {@code threads} threads: its shard of each global batch, summed, then SGD. */
    private static List<Step> rankSteps(ProcessGroup g, DType dtype, int threads, int steps, long modelSeed) {
        return rankSteps(g, model(dtype, modelSeed), dtype, threads, steps, DistributedDataParallel.Options.defaults(),
                s -> { }, s -> true);
    }

    /**
     * As above, for {@code model}, with {@code options}, calling {@code beforeStep} with each step's number, and
     * zeroing the gradients after the steps {@code zeroAfter} accepts (otherwise the next backward adds to them).
     */
    private static List<Step> rankSteps(ProcessGroup g, Layer model, DType dtype, int threads, int steps,
            DistributedDataParallel.Options options, IntConsumer beforeStep, IntPredicate zeroAfter) {
        List<Step> out = new ArrayList<>();
        try (DistributedDataParallel ddp = new DistributedDataParallel(model, g, threads, options)) {
            assertEquals(options.overlap() && threads == 1, ddp.overlaps());
            for (int s = 0; s < steps; s++) {
                Tensor x = inputs(dtype, 100 + s);
                int[] y = labels(200 + s);
                beforeStep.accept(s);
                int from = DistributedDataParallel.shardStart(ROWS, g.rank(), g.worldSize());
                int to = DistributedDataParallel.shardStart(ROWS, g.rank() + 1, g.worldSize());
                double loss = ddp.backward(x.narrow(0, from, to - from), Arrays.copyOfRange(y, from, to),
                        Losses::crossEntropy, ROWS);
                sgd(model);
                if (zeroAfter.test(s)) {
                    ddp.zeroGrad();
                }
                out.add(new Step(loss, flat(model)));
            }
        }
        return out;
    }

    @Test
    void twoRanksOfOneThreadAreBitForBitDataParallelOfTwo() throws Exception {
        int steps = 6;
        List<List<Step>> ranks = Ranks.run(2, TIMEOUT, g -> rankSteps(g, DType.FLOAT32, 1, steps, 1 + g.rank()));
        Layer model = model(DType.FLOAT32, 1);
        try (DataParallel parallel = new DataParallel(model, 2)) {
            for (int s = 0; s < steps; s++) {
                double loss = parallel.backward(inputs(DType.FLOAT32, 100 + s), labels(200 + s),
                        Losses::crossEntropy);
                sgd(model);
                parallel.zeroGrad();
                double[] expected = flat(model);
                for (List<Step> rank : ranks) {
                    assertEquals(loss, rank.get(s).loss(), 0.0, "step " + s);
                    assertArrayEquals(expected, rank.get(s).params(), 0.0, "step " + s);
                }
            }
        }
    }

    /**
     * Two linear layers and, between them, a third one that only rank 0 uses, on even steps: on those steps the
     * ranks' gradient flags differ, and rank 1's bucket of it is packed only at the end of its pass.
     */
    private static Layer branchyModel(long seed, boolean[] useMiddle) {
        Random rng = new Random(seed);
        Linear first = new Linear(5, 16, true, rng, DType.FLOAT32);
        Linear middle = new Linear(16, 16, true, rng, DType.FLOAT32);
        Linear last = new Linear(16, 3, true, rng, DType.FLOAT32);
        return new Layer() {
            {
                registerModule("first", first);
                registerModule("middle", middle);
                registerModule("last", last);
            }

            @Override
            public Tensor forward(Tensor x) {
                Tensor h = first.call(x).relu();
                return last.call(useMiddle[0] ? h.add(middle.call(h)) : h);
            }
        };
    }

    @Test
    void overlappingTheExchangeWithBackwardChangesNoBitOverTwentySteps() throws Exception {
        int steps = 20;
        for (int world : new int[] {2, 3}) {
            List<List<List<Step>>> runs = new ArrayList<>();
            for (boolean overlap : new boolean[] {false, true}) {
                // buckets of at most 20 elements: the 3-element bias alone, the 48-element weight in 3 messages...
                DistributedDataParallel.Options options = DistributedDataParallel.Options.defaults()
                        .withBucketElements(20).withOverlap(overlap);
                runs.add(Ranks.run(world, TIMEOUT, g -> {
                    boolean[] useMiddle = {false};
                    // gradients kept over two steps out of three: the pass adds to a gradient that is not zeros
                    return rankSteps(g, branchyModel(7, useMiddle), DType.FLOAT32, 1, steps, options,
                            s -> useMiddle[0] = g.rank() == 0 && s % 2 == 0, s -> s % 3 == 2);
                }));
            }
            for (int r = 0; r < world; r++) {
                for (int s = 0; s < steps; s++) {
                    Step off = runs.get(0).get(r).get(s);
                    Step on = runs.get(1).get(r).get(s);
                    assertEquals(off.loss(), on.loss(), 0.0, world + " ranks, rank " + r + ", step " + s);
                    assertArrayEquals(off.params(), on.params(), 0.0, world + " ranks, rank " + r + ", step " + s);
                }
            }
            double[] start = flat(branchyModel(7, new boolean[1]));
            assertTrue(!Arrays.equals(start, runs.get(1).get(0).get(steps - 1).params()), "the steps trained");
        }
    }

    @Test
    void aGroupThatFailsDuringTheOverlappedExchangeFailsBackwardOnEveryRank() throws Exception {
        DistributedDataParallel.Options options = DistributedDataParallel.Options.defaults().withBucketElements(20);
        List<Exception> errors = Ranks.run(2, TIMEOUT, g -> {
            try (DistributedDataParallel ddp = new DistributedDataParallel(model(DType.FLOAT32, 1), g, 1, options)) {
                if (g.rank() == 1) {
                    g.close(); // its communication thread finds the group closed; rank 0's finds the peer gone
                }
                int from = DistributedDataParallel.shardStart(ROWS, g.rank(), 2);
                int to = DistributedDataParallel.shardStart(ROWS, g.rank() + 1, 2);
                ddp.backward(inputs(DType.FLOAT32, 1).narrow(0, from, to - from),
                        Arrays.copyOfRange(labels(1), from, to), Losses::crossEntropy, ROWS);
            }
            return null;
        }, e -> e);
        assertInstanceOf(ProcessGroupException.class, errors.get(0));
        assertTrue(errors.get(0).getMessage().contains("rank 1 closed its connection"), errors.get(0).getMessage());
        assertInstanceOf(IllegalStateException.class, errors.get(1));
        assertTrue(errors.get(1).getMessage().contains("the process group is closed"), errors.get(1).getMessage());
    }

    @Test
    void aFailureOfTheBackwardPassIsThrownOnceTheBucketsInFlightAreExchanged() throws Exception {
        DistributedDataParallel.Options options = DistributedDataParallel.Options.defaults().withBucketElements(20);
        List<Exception> errors = Ranks.run(2, Duration.ofSeconds(5), g -> {
            Layer model = model(DType.FLOAT32, 1);
            int[] step = {0};
            if (g.rank() == 1) {
                // the first layer's weight is the last gradient of the pass: the later buckets are in flight
                model.parameters().get(0).registerHook(grad -> {
                    if (step[0] == 1) {
                        throw new IllegalStateException("a hook that fails at step 1");
                    }
                    return null;
                });
            }
            try (DistributedDataParallel ddp = new DistributedDataParallel(model, g, 1, options)) {
                for (; step[0] < 3; step[0]++) {
                    int from = DistributedDataParallel.shardStart(ROWS, g.rank(), 2);
                    int to = DistributedDataParallel.shardStart(ROWS, g.rank() + 1, 2);
                    ddp.backward(inputs(DType.FLOAT32, step[0]).narrow(0, from, to - from),
                            Arrays.copyOfRange(labels(step[0]), from, to), Losses::crossEntropy, ROWS);
                    ddp.zeroGrad();
                }
            }
            return null;
        }, e -> e);
        assertInstanceOf(ProcessGroupException.class, errors.get(0), "rank 0 waits for a bucket rank 1 never sends");
        assertEquals("a hook that fails at step 1", errors.get(1).getMessage());
        assertEquals(0, errors.get(1).getSuppressed().length, "the buckets in flight were exchanged");
    }

    @Test
    void float64GradientsAreThoseOfOneBackwardOverTheGlobalBatch() throws Exception {
        int steps = 4;
        for (int world : new int[] {2, 3}) { // 26 rows: uneven shards for 3 ranks, uneven slices for 2 threads
            List<List<Step>> ranks = Ranks.run(world, TIMEOUT, g -> rankSteps(g, DType.FLOAT64, 2, steps, 1));
            Layer model = model(DType.FLOAT64, 1);
            for (int s = 0; s < steps; s++) {
                double loss;
                try (Tape tape = Tape.record()) {
                    Tensor l = Losses.crossEntropy(model.call(inputs(DType.FLOAT64, 100 + s)), labels(200 + s));
                    tape.backward(l);
                    loss = l.item();
                }
                sgd(model);
                model.zeroGrad();
                double[] expected = flat(model);
                for (List<Step> rank : ranks) {
                    assertEquals(loss, rank.get(s).loss(), 1e-13 * Math.abs(loss));
                    assertClose(expected, rank.get(s).params(), 1e-12);
                }
                // and the ranks agree bit for bit with each other
                for (List<Step> rank : ranks) {
                    assertArrayEquals(ranks.get(0).get(s).params(), rank.get(s).params(), 0.0);
                }
            }
        }
    }

    private static void assertClose(double[] expected, double[] actual, double relative) {
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > relative * scale) {
                throw new AssertionError("element " + i + ": expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    @Test
    void everyReplicaStartsFromRankZerosParameters() throws Exception {
        List<double[]> starts = Ranks.run(3, TIMEOUT, g -> {
            Layer model = model(DType.FLOAT32, 40 + g.rank()); // a different initialisation on each rank
            try (DistributedDataParallel ddp = new DistributedDataParallel(model, g, 1)) {
                return flat(ddp.model());
            }
        });
        double[] rank0 = flat(model(DType.FLOAT32, 40));
        assertTrue(!Arrays.equals(rank0, flat(model(DType.FLOAT32, 41))), "the seeds must give different weights");
        for (double[] s : starts) {
            assertArrayEquals(rank0, s, 0.0);
        }
    }

    @Test
    void aReplicaThatDriftsFailsEveryRankAtTheNextCheck() throws Exception {
        List<Exception> errors = Ranks.run(2, TIMEOUT, g -> {
            Layer model = model(DType.FLOAT32, 3);
            try (DistributedDataParallel ddp = new DistributedDataParallel(model, g, 1,
                    DistributedDataParallel.Options.defaults().withCheckEvery(2))) {
                for (int s = 0; s < 5; s++) {
                    int from = DistributedDataParallel.shardStart(ROWS, g.rank(), 2);
                    int to = DistributedDataParallel.shardStart(ROWS, g.rank() + 1, 2);
                    ddp.backward(inputs(DType.FLOAT32, s).narrow(0, from, to - from),
                            Arrays.copyOfRange(labels(s), from, to), Losses::crossEntropy, ROWS);
                    sgd(model);
                    if (s == 2 && g.rank() == 1) {
                        float[] w = model.parameters().get(0).float32Matrix().data;
                        w[7] = Math.nextUp(w[7]); // one bit of one weight on one rank, after the check of step 2
                    }
                    ddp.zeroGrad();
                }
            }
            return null;
        }, e -> e);
        for (Exception e : errors) {
            assertInstanceOf(IllegalStateException.class, e);
            assertTrue(e.getMessage().contains("after 4 steps the parameters of rank(s) [1] differ"), e.getMessage());
        }
    }

    @Test
    void modelsOfDifferentShapesAndRowsThatDoNotAddUpAreRefused() throws Exception {
        List<Exception> errors = Ranks.run(2, TIMEOUT, g -> {
            Random rng = new Random(1);
            Layer model = new Sequential(new Linear(5, g.rank() == 0 ? 16 : 17, rng), new Relu(),
                    new Linear(g.rank() == 0 ? 16 : 17, 3, rng));
            try (DistributedDataParallel ddp = new DistributedDataParallel(model, g, 1)) {
                return null;
            }
        }, e -> e);
        for (Exception e : errors) {
            assertInstanceOf(IllegalStateException.class, e);
            assertTrue(e.getMessage().contains("rank 1's model has other parameter or buffer shapes"), e.getMessage());
        }
        errors = Ranks.run(2, TIMEOUT, g -> {
            try (DistributedDataParallel ddp = new DistributedDataParallel(model(DType.FLOAT32, 1), g, 1)) {
                ddp.backward(inputs(DType.FLOAT32, 1).narrow(0, 0, 10), Arrays.copyOf(labels(1), 10),
                        Losses::crossEntropy, ROWS); // 10 + 10 rows, not 26
            }
            return null;
        }, e -> e);
        for (Exception e : errors) {
            assertInstanceOf(IllegalStateException.class, e);
            assertTrue(e.getMessage().contains("the ranks' rows add up to 20 but globalRows is 26"), e.getMessage());
        }
    }

    @Test
    void aParameterNoRankUsesKeepsANullGradient() throws Exception {
        List<Boolean> nullGrad = Ranks.run(2, TIMEOUT, g -> {
            Random rng = new Random(5);
            Linear used = new Linear(5, 3, rng);
            Linear unused = new Linear(3, 3, rng);
            Layer model = new Layer() {
                {
                    registerModule("used", used);
                    registerModule("unused", unused);
                }

                @Override
                public Tensor forward(Tensor x) {
                    return used.call(x);
                }
            };
            try (DistributedDataParallel ddp = new DistributedDataParallel(model, g, 1)) {
                int from = DistributedDataParallel.shardStart(ROWS, g.rank(), 2);
                int to = DistributedDataParallel.shardStart(ROWS, g.rank() + 1, 2);
                ddp.backward(inputs(DType.FLOAT32, 1).narrow(0, from, to - from),
                        Arrays.copyOfRange(labels(1), from, to), Losses::crossEntropy, ROWS);
                assertTrue(model.parameters().get(0).grad() != null);
                return unused.parameters().get(0).grad() == null;
            }
        });
        assertEquals(List.of(true, true), nullGrad);
    }

    @Test
    void optionsAndShardsAreChecked() {
        assertEquals(0, DistributedDataParallel.shardStart(26, 0, 3));
        assertEquals(8, DistributedDataParallel.shardStart(26, 1, 3));
        assertEquals(26, DistributedDataParallel.shardStart(26, 3, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistributedDataParallel.shardStart(26, 4, 3));
        assertTrue(e.getMessage().contains("0 <= rank <= worldSize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DistributedDataParallel.Options(0, 1));
        assertTrue(e.getMessage().contains("bucketElements is 0; expected at least 1"), e.getMessage());
        assertTrue(DistributedDataParallel.Options.defaults().overlap(), "overlap is on by default");
        assertTrue(new DistributedDataParallel.Options(8, 1).overlap());
    }
}
