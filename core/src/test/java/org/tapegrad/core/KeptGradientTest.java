package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code zeroGrad(false)} keeps a leaf's gradient buffer, and the next plain backward adds into it (linear layers
 * write their weight and bias gradients straight into it). The gradients must be those of the set-to-none path.
 */
class KeptGradientTest {

    /** Two linear layers, the second weight used twice, a relu and a cross-entropy loss. */
    private static Tensor loss(Tensor x, Tensor w1, Tensor b1, Tensor w2, int[] labels) {
        Tensor h = Tensor.linear(x, w1, b1).relu();
        Tensor z = Tensor.linear(Tensor.linear(h, w2, null).relu(), w2, null);
        return Losses.crossEntropy(z, labels);
    }

    private static List<Tensor> params(DType dtype, long seed) {
        Random rng = new Random(seed);
        return List.of(Tensor.randn(dtype, rng, 6, 5).requiresGrad(true), Tensor.randn(dtype, rng, 6).requiresGrad(true),
                Tensor.randn(dtype, rng, 6, 6).requiresGrad(true));
    }

    private static void backward(List<Tensor> p, Tensor x, int[] labels) {
        try (Tape tape = Tape.record()) {
            tape.backward(loss(x, p.get(0), p.get(1), p.get(2), labels));
        }
    }

    @Test
    void keptBuffersReceiveTheSameGradientsAsFreshOnes() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Random rng = new Random(3);
            Tensor x = Tensor.randn(dtype, rng, 4, 5);
            int[] labels = {0, 5, 2, 3};
            List<Tensor> fresh = params(dtype, 7);
            List<Tensor> kept = params(dtype, 7);
            backward(kept, x, labels); // first step: the tape's own gradients are adopted
            List<Tensor> buffers = kept.stream().map(Tensor::grad).toList();
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < 3; i++) {
                    fresh.get(i).zeroGrad(true);
                    kept.get(i).zeroGrad(false);
                    assertSame(buffers.get(i), kept.get(i).grad(), "the buffer is kept");
                    assertEquals(0, kept.get(i).grad().abs().sum().item(), "and zeroed");
                }
                backward(fresh, x, labels);
                backward(kept, x, labels);
                for (int i = 0; i < 3; i++) {
                    assertSame(buffers.get(i), kept.get(i).grad(), "backward added into the kept buffer");
                    double[] expected = fresh.get(i).grad().toDoubleArray();
                    double[] actual = kept.get(i).grad().toDoubleArray();
                    assertArrayEquals(expected, actual, dtype == DType.FLOAT64 ? 1e-12 : 1e-5, dtype + " param " + i);
                }
            }
        }
    }

    @Test
    void aHookStillSeesTheWholeGradient() {
        List<Tensor> p = params(DType.FLOAT64, 1);
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(2), 4, 5);
        int[] labels = {1, 2, 3, 4};
        backward(p, x, labels);
        double[] expected = p.get(2).grad().toDoubleArray();
        p.get(2).zeroGrad(false);
        Tensor[] seen = new Tensor[1];
        p.get(2).registerHook(g -> {
            seen[0] = g;
            return null;
        });
        backward(p, x, labels);
        assertArrayEquals(expected, seen[0].toDoubleArray(), 1e-12, "the hook got both uses' sum");
        assertArrayEquals(expected, p.get(2).grad().toDoubleArray(), 1e-12);
    }

    @Test
    void functionalGradientsLeaveKeptBuffersAlone() {
        List<Tensor> p = params(DType.FLOAT64, 1);
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(2), 4, 5);
        int[] labels = {1, 2, 3, 4};
        backward(p, x, labels);
        double[] expected = p.get(0).grad().toDoubleArray();
        p.get(0).zeroGrad(false);
        Tensor[] grads;
        try (Tape tape = Tape.record()) {
            grads = Autograd.grad(loss(x, p.get(0), p.get(1), p.get(2), labels), p.get(0));
        }
        assertArrayEquals(expected, grads[0].toDoubleArray(), 1e-12);
        assertEquals(0, p.get(0).grad().abs().sum().item(), "Autograd.grad does not write .grad");
    }

    @Test
    void setToNoneDropsTheBuffer() {
        List<Tensor> p = params(DType.FLOAT32, 1);
        backward(p, Tensor.randn(DType.FLOAT32, new Random(2), 4, 5), new int[] {1, 2, 3, 4});
        p.get(0).zeroGrad(true);
        assertNull(p.get(0).grad());
    }
}
