package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The engine decides in one place where a gradient goes (a fresh buffer that becomes {@code grad()}, a kept
 * {@code grad()}, a thread's {@link LeafGradients}), and every destination gets the same additions: the parameter
 * gradients of an MLP step are the same bits with and without anomaly mode, with and without kept buffers, inside a
 * {@code LeafGradients} collection and inside a {@link Workspace} step.
 */
class GradientDestinationBitsTest {
    private static final int[] SIZES = {784, 256, 256, 256, 10};
    private static final int BATCH = 32;
    private static final int BATCHES = 3;

    /** Weights [out, in] and biases [out] of the MLP, float32, from a fixed seed. */
    private static List<Tensor> parameters() {
        Random rng = new Random(11);
        List<Tensor> p = new ArrayList<>();
        for (int l = 0; l + 1 < SIZES.length; l++) {
            double bound = 1 / Math.sqrt(SIZES[l]);
            p.add(Tensor.rand(rng, SIZES[l + 1], SIZES[l]).mul(2 * bound).sub(bound).requiresGrad(true));
            p.add(Tensor.rand(rng, SIZES[l + 1]).mul(2 * bound).sub(bound).requiresGrad(true));
        }
        return p;
    }

    /** Images with MNIST's look (a zero border, values in [0, 1]) and labels, from a fixed seed. */
    private static List<Object[]> batches() {
        Random rng = new Random(5);
        List<Object[]> batches = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            float[] x = new float[BATCH * 784];
            for (int i = 0; i < BATCH; i++) {
                for (int r = 4; r < 24; r++) {
                    for (int c = 4; c < 24; c++) {
                        x[i * 784 + r * 28 + c] = rng.nextFloat();
                    }
                }
            }
            int[] labels = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                labels[i] = rng.nextInt(10);
            }
            batches.add(new Object[] {Tensor.of(x, BATCH, 784), labels});
        }
        return batches;
    }

    /**
     * The loss; with {@code tied}, the 256x256 weight of layer 2 is used again in place of layer 3's and in an L2
     * penalty, so that one weight gets the sum of three gradients (two products' and the penalty's), which
     * different orders of addition would round differently.
     */
    private static Tensor loss(List<Tensor> p, Tensor x, int[] labels, boolean tied) {
        Tensor h = x;
        for (int l = 0; l < 4; l++) {
            Tensor w = tied && l == 2 ? p.get(2) : p.get(2 * l);
            h = Tensor.linear(h, w, p.get(2 * l + 1));
            if (l < 3) {
                h = h.relu();
            }
        }
        Tensor loss = Losses.crossEntropy(h, labels);
        return tied ? loss.add(p.get(2).pow(2).sum().mul(1e-3)) : loss;
    }

    private enum Mode { FRESH, KEPT, ANOMALY_FRESH, ANOMALY_KEPT, COLLECTED, WORKSPACE_KEPT }

    /** Per batch, the bits of every parameter gradient, computed in {@code mode}. */
    private static List<int[][]> gradientBits(Mode mode, boolean tied) {
        List<Tensor> p = parameters();
        LeafGradients collected = mode == Mode.COLLECTED ? new LeafGradients(p) : null;
        Workspace workspace = mode == Mode.WORKSPACE_KEPT ? new Workspace() : null;
        boolean kept = mode == Mode.KEPT || mode == Mode.ANOMALY_KEPT || mode == Mode.WORKSPACE_KEPT;
        List<int[][]> result = new ArrayList<>();
        for (Object[] batch : batches()) {
            for (Tensor t : p) {
                t.zeroGrad(!kept);
            }
            if (collected != null) {
                collected.zero();
            }
            try (Scope step = workspace == null ? null : workspace.enter();
                    Scope a = mode == Mode.ANOMALY_FRESH || mode == Mode.ANOMALY_KEPT ? Anomaly.detect() : null;
                    Scope c = collected == null ? null : collected.collect();
                    Tape tape = Tape.record()) {
                tape.backward(loss(p, (Tensor) batch[0], (int[]) batch[1], tied));
            }
            int[][] bits = new int[p.size()][];
            for (int i = 0; i < p.size(); i++) {
                Tensor g = collected != null ? collected.gradient(i) : p.get(i).grad();
                if (tied && i == 4) { // layer 3's own weight is not used
                    assertEquals(collected != null ? 0.0 : null, collected != null ? g.abs().sum().item() : g);
                    bits[i] = new int[0];
                    continue;
                }
                float[] v = g.toFloatArray();
                bits[i] = new int[v.length];
                for (int j = 0; j < v.length; j++) {
                    bits[i][j] = Float.floatToRawIntBits(v[j]);
                }
            }
            result.add(bits);
        }
        return result;
    }

    private static void assertSameBits(List<int[][]> expected, List<int[][]> actual, String what) {
        for (int b = 0; b < expected.size(); b++) {
            for (int i = 0; i < expected.get(b).length; i++) {
                assertArrayEquals(expected.get(b)[i], actual.get(b)[i], what + ": batch " + b + ", parameter " + i);
            }
        }
    }

    @Test
    void everyDestinationGetsTheSameBits() {
        for (boolean tied : new boolean[] {false, true}) {
            List<int[][]> fresh = gradientBits(Mode.FRESH, tied);
            assertNotEquals(0, fresh.get(0)[0].length);
            for (Mode mode : Mode.values()) {
                if (mode != Mode.FRESH) {
                    assertSameBits(fresh, gradientBits(mode, tied), mode + (tied ? ", tied weight" : ""));
                }
            }
        }
    }

    @Test
    void theBatchesGiveDifferentGradients() {
        List<int[][]> fresh = gradientBits(Mode.FRESH, false);
        for (int i = 0; i < fresh.get(0).length; i++) {
            assertNotEquals(java.util.Arrays.hashCode(fresh.get(0)[i]), java.util.Arrays.hashCode(fresh.get(1)[i]),
                    "parameter " + i + ": the comparison is between real gradients, not zeros");
        }
    }
}
