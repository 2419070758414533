package org.tapegrad.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.BatchNorm1d;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Relu;
import org.tapegrad.nn.Sequential;

/**
 * Cutting a batch into slices that threads backpropagate at the same time must give the gradients and the loss of one
 * backward over the whole batch (in float64, to rounding), for any thread count, uneven slices included.
 */
class DataParallelTest {
    private static final int BATCH = 13; // not a multiple of 2 or 3: uneven slices

    private static Layer model(DType dtype, long seed) {
        Random rng = new Random(seed);
        return new Sequential(new Linear(5, 7, true, rng, dtype), new Relu(), new Linear(7, 3, true, rng, dtype));
    }

    private static int[] labels(Random rng, int n) {
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(3);
        }
        return labels;
    }

    /** The loss of one backward over the whole batch, with each parameter's gradient left in grad. */
    private static double plainBackward(Layer model, Tensor x, int[] labels) {
        try (Tape tape = Tape.record()) {
            Tensor loss = Losses.crossEntropy(model.call(x), labels);
            tape.backward(loss);
            return loss.item();
        }
    }

    private static double[][] gradients(Layer model) {
        List<Tensor> params = model.parameters();
        double[][] g = new double[params.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = params.get(i).grad().toDoubleArray();
        }
        return g;
    }

    private static void assertClose(double[][] expected, double[][] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                double e = expected[i][j];
                if (Math.abs(e - actual[i][j]) > tolerance * Math.max(1, Math.abs(e))) {
                    throw new AssertionError("parameter " + i + " element " + j + ": expected " + e + ", got "
                            + actual[i][j]);
                }
            }
        }
    }

    @Test
    void gradientsAndLossAreThoseOfTheWholeBatch() {
        Random rng = new Random(3);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, BATCH, 5);
        int[] labels = labels(rng, BATCH);
        Layer model = model(DType.FLOAT64, 11);
        double expectedLoss = plainBackward(model, x, labels);
        double[][] expected = gradients(model);
        for (int threads = 1; threads <= 4; threads++) {
            model.zeroGrad();
            try (DataParallel parallel = new DataParallel(model, threads)) {
                assertEquals(threads, parallel.threads());
                for (int pass = 0; pass < 3; pass++) { // the slices' buffers must come back zeroed
                    model.zeroGrad();
                    double loss = parallel.backward(x, labels, Losses::crossEntropy);
                    assertEquals(expectedLoss, loss, 1e-13, threads + " threads");
                    assertClose(expected, gradients(model), 1e-13);
                }
            }
        }
    }

    @Test
    void gradientsAddIntoExistingOnesLikeABackward() {
        Random rng = new Random(4);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, BATCH, 5);
        int[] labels = labels(rng, BATCH);
        Layer model = model(DType.FLOAT64, 12);
        plainBackward(model, x, labels);
        double[][] once = gradients(model);
        try (DataParallel parallel = new DataParallel(model, 2)) {
            parallel.backward(x, labels, Losses::crossEntropy); // on top of the plain backward's gradients
        }
        double[][] twice = gradients(model);
        for (double[] g : once) {
            for (int j = 0; j < g.length; j++) {
                g[j] *= 2;
            }
        }
        assertClose(once, twice, 1e-13);
    }

    @Test
    void float32TrainingMatchesOneThreadWithKeptGradients() {
        Random rng = new Random(5);
        Tensor x = Tensor.randn(rng, 64, 5);
        int[] labels = labels(rng, 64);
        Layer alone = model(DType.FLOAT32, 13);
        Layer parallelModel = model(DType.FLOAT32, 13);
        try (DataParallel parallel = new DataParallel(parallelModel, 2)) {
            for (int step = 0; step < 5; step++) {
                double expected = plainBackward(alone, x, labels);
                double loss = parallel.backward(x, labels, Losses::crossEntropy);
                assertEquals(expected, loss, 1e-5);
                assertClose(gradients(alone), gradients(parallelModel), 1e-5);
                sgd(alone);
                sgd(parallelModel);
                alone.parameters().forEach(p -> p.zeroGrad(false));
                parallel.zeroGrad(); // each thread its range
            }
        }
    }

    /** A plain SGD step (lr 0.1). */
    private static void sgd(Layer model) {
        for (Tensor p : model.parameters()) {
            float[] w = p.float32Matrix().data;
            float[] g = p.grad().float32Matrix().data;
            for (int i = 0; i < p.numel(); i++) {
                w[i] -= 0.1f * g[i];
            }
            p.markModified();
        }
    }

    @Test
    void regressionTargetsAreSlicedLikeTheInputs() {
        Random rng = new Random(6);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, BATCH, 5);
        Tensor y = Tensor.randn(DType.FLOAT64, rng, BATCH, 3);
        Layer model = model(DType.FLOAT64, 14);
        double expectedLoss;
        try (Tape tape = Tape.record()) {
            Tensor loss = Losses.mse(model.call(x), y);
            tape.backward(loss);
            expectedLoss = loss.item();
        }
        double[][] expected = gradients(model);
        model.zeroGrad();
        try (DataParallel parallel = new DataParallel(model, 3)) {
            assertEquals(expectedLoss, parallel.backward(x, y, Losses::mse), 1e-13);
        }
        assertClose(expected, gradients(model), 1e-13);
    }

    @Test
    void forwardGivesTheModelsOutputRowForRow() {
        Random rng = new Random(8);
        Layer model = model(DType.FLOAT64, 15);
        for (int rows : new int[] {1, 2, BATCH}) {
            Tensor x = Tensor.randn(DType.FLOAT64, rng, rows, 5);
            double[] expected;
            try (var noGrad = Tape.noGrad()) {
                expected = model.call(x).toDoubleArray();
            }
            for (int threads = 1; threads <= 3; threads++) {
                try (DataParallel parallel = new DataParallel(model, threads)) {
                    Tensor out = parallel.forward(x);
                    assertArrayEquals(new int[] {rows, 3}, out.shape());
                    assertArrayEquals(expected, out.toDoubleArray(), 1e-14, rows + " rows, " + threads + " threads");
                    assertTrue(!out.requiresGrad());
                }
            }
        }
    }

    @Test
    void aBatchSmallerThanTheTeamStillGetsItsGradient() {
        Random rng = new Random(9);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 1, 5);
        int[] labels = {2};
        Layer model = model(DType.FLOAT64, 16);
        double expectedLoss = plainBackward(model, x, labels);
        double[][] expected = gradients(model);
        try (DataParallel parallel = new DataParallel(model, 3)) {
            // a full batch first, so that every slice holds gradients from it: the small batch must not see them
            model.zeroGrad();
            parallel.backward(Tensor.randn(DType.FLOAT64, rng, BATCH, 5), labels(rng, BATCH), Losses::crossEntropy);
            model.zeroGrad();
            assertEquals(expectedLoss, parallel.backward(x, labels, Losses::crossEntropy), 1e-14);
        }
        assertClose(expected, gradients(model), 1e-14);
    }

    @Test
    void aParameterTheLossDoesNotUseKeepsNoGradient() {
        Random rng = new Random(10);
        Linear used = new Linear(5, 3, true, rng, DType.FLOAT64);
        Linear unused = new Linear(5, 3, true, rng, DType.FLOAT64);
        Layer model = new Sequential(used) {
            {
                registerModule("unused", unused);
            }
        };
        try (DataParallel parallel = new DataParallel(model, 2)) {
            parallel.backward(Tensor.randn(DType.FLOAT64, rng, 4, 5), new int[] {0, 1, 2, 0}, Losses::crossEntropy);
        }
        assertTrue(used.parameters().get(0).grad() != null);
        for (Tensor p : unused.parameters()) {
            assertNull(p.grad());
        }
    }

    @Test
    void badInputIsRefusedWithAReason() {
        Layer model = model(DType.FLOAT64, 17);
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(1), 4, 5);
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
                () -> new DataParallel(model, 0));
        assertTrue(threads.getMessage().contains("at least 1"), threads.getMessage());
        try (DataParallel parallel = new DataParallel(model, 2)) {
            IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
                    () -> parallel.backward(x, new int[] {0, 1, 2}, Losses::crossEntropy));
            assertTrue(labels.getMessage().contains("3 labels for a batch of 4 rows"), labels.getMessage());
            IllegalArgumentException scalar = assertThrows(IllegalArgumentException.class,
                    () -> parallel.backward(x, new int[] {0, 1, 2, 0}, (out, l) -> out));
            assertTrue(scalar.getMessage().contains("expected a scalar"), scalar.getMessage());
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                    () -> parallel.forward(Tensor.zeros(DType.FLOAT64, 0, 5)));
            assertTrue(empty.getMessage().contains("expected a batch of rows"), empty.getMessage());
            try (Tape tape = Tape.record()) {
                IllegalStateException recording = assertThrows(IllegalStateException.class,
                        () -> parallel.backward(x, new int[] {0, 1, 2, 0}, Losses::crossEntropy));
                assertTrue(recording.getMessage().contains("outside any recording"), recording.getMessage());
            }
            // the failed calls left nothing behind: a good call still works
            model.zeroGrad();
            parallel.backward(x, new int[] {0, 1, 2, 0}, Losses::crossEntropy);
            assertTrue(model.parameters().get(0).grad() != null);
        }
    }

    @Test
    void batchNormInTrainingModeIsRefused() {
        Random rng = new Random(2);
        Layer model = new Sequential(new Linear(5, 4, true, rng, DType.FLOAT32), new BatchNorm1d(4));
        try (DataParallel parallel = new DataParallel(model, 2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> parallel.backward(Tensor.randn(rng, 4, 5), new int[] {0, 1, 2, 3}, Losses::crossEntropy));
            assertTrue(e.getMessage().contains("BatchNorm in training mode"), e.getMessage());
            IllegalStateException inForward = assertThrows(IllegalStateException.class,
                    () -> parallel.forward(Tensor.randn(rng, 4, 5)));
            assertTrue(inForward.getMessage().contains("DataParallel.forward"), inForward.getMessage());
            model.eval();
            assertArrayEquals(new int[] {4, 4}, parallel.forward(Tensor.randn(rng, 4, 5)).shape());
        }
    }

    @Test
    void zeroGradFillsEveryKeptGradientWithZerosAndLeavesNullOnesNull() {
        Random rng = new Random(12);
        Layer model = model(DType.FLOAT32, 18);
        Tensor x = Tensor.randn(rng, 40, 5);
        int[] labels = labels(rng, 40);
        try (DataParallel parallel = new DataParallel(model, 2)) {
            parallel.backward(x, labels, Losses::crossEntropy);
            List<Tensor> params = model.parameters();
            params.get(3).setGrad(null);
            Tensor kept = params.get(0).grad();
            parallel.zeroGrad();
            assertTrue(kept == params.get(0).grad(), "the buffer is kept");
            for (int i = 0; i < params.size(); i++) {
                if (i == 3) {
                    assertNull(params.get(i).grad());
                } else {
                    assertArrayEquals(new double[params.get(i).numel()], params.get(i).grad().toDoubleArray());
                }
            }
            assertEquals(2, parallel.team().size());
        }
        try (DataParallel alone = new DataParallel(model, 1)) {
            assertNull(alone.team());
        }
    }

    @Test
    void anErrorInOneSliceReachesTheCallerAndLeavesTheRunnerUsable() {
        Random rng = new Random(13);
        Layer model = model(DType.FLOAT64, 19);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 8, 5);
        int[] bad = {0, 1, 2, 0, 1, 2, 0, 7}; // the last row's label is out of range: the second slice fails
        try (DataParallel parallel = new DataParallel(model, 2)) {
            for (int attempt = 0; attempt < 3; attempt++) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> parallel.backward(x, bad, Losses::crossEntropy));
                assertTrue(e.getMessage().contains("label 7"), e.getMessage());
            }
            int[] good = {0, 1, 2, 0, 1, 2, 0, 2};
            model.zeroGrad();
            double expectedLoss = plainBackward(model, x, good);
            double[][] expected = gradients(model);
            model.zeroGrad();
            assertEquals(expectedLoss, parallel.backward(x, good, Losses::crossEntropy), 1e-13);
            assertClose(expected, gradients(model), 1e-13);
        }
    }
}
