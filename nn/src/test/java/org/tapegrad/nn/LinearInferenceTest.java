package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.PackedWeight;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/** A Linear in eval mode packs its weight once; it must still follow every change of the weight. */
class LinearInferenceTest {

    @Test
    void evalModeInferenceMatchesTrainingForwardAndFollowsWeightUpdates() {
        Random rng = new Random(31);
        Linear layer = new Linear(300, 20, rng);
        Tensor x = Tensor.randn(rng, 9, 300);
        for (int update = 0; update < 3; update++) {
            layer.train();
            float[] expected;
            try (var noGrad = Tape.noGrad()) {
                expected = layer.call(x).toFloatArray();
            }
            assertNull(layer.packedWeight(), "training mode drops the packed copy");
            layer.eval();
            try (var noGrad = Tape.noGrad()) {
                assertArrayEquals(expected, layer.call(x).toFloatArray(), "update " + update);
                PackedWeight packed = layer.packedWeight();
                assertTrue(packed != null && packed.isCurrent(), "update " + update + ": packed for inference");
                assertArrayEquals(expected, layer.call(x).toFloatArray(), "update " + update + ", packed copy reused");
                assertSame(packed, layer.packedWeight(), "update " + update + ": the same copy serves the next batch");
            }
            float[] w = layer.weight().float32Matrix().data; // an optimizer-like in-place change, marked
            for (int i = 0; i < w.length; i++) {
                w[i] *= 0.5f;
            }
            layer.weight().markModified();
        }
        layer.weight().copyFrom(Tensor.randn(rng, 20, 300));
        float[] fresh = Tensor.linear(x, layer.weight(), layer.bias()).toFloatArray();
        try (var noGrad = Tape.noGrad()) {
            assertArrayEquals(fresh, layer.call(x).toFloatArray(), "after copyFrom (a loaded checkpoint)");
        }
    }

    @Test
    void sequencesAndVectorsGiveWhatTheirRowsGiveInTrainingAndInference() {
        Random rng = new Random(33);
        Linear layer = new Linear(5, 3, rng);
        Tensor x = Tensor.randn(rng, 2, 4, 5);
        float[] rows;
        try (var noGrad = Tape.noGrad()) {
            rows = layer.call(x.reshape(8, 5)).toFloatArray();
        }
        for (boolean training : new boolean[] {true, false}) {
            layer.train(training);
            try (var noGrad = Tape.noGrad()) {
                Tensor y = layer.call(x);
                assertArrayEquals(new int[] {2, 4, 3}, y.shape());
                assertArrayEquals(rows, y.toFloatArray(), "training " + training);
                Tensor v = layer.call(x.select(0, 1).select(0, 2)); // a vector [5] gives [3]
                assertArrayEquals(new int[] {3}, v.shape());
                assertArrayEquals(java.util.Arrays.copyOfRange(rows, 18, 21), v.toFloatArray(), "training " + training);
            }
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> layer.call(Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().equals("Linear: expected input [..., 5] (features last), got [2, 4]"),
                e.getMessage());
    }

    @Test
    void evalModeInsideARecordingStillGivesGradients() {
        Random rng = new Random(32);
        Linear layer = new Linear(4, 3, rng);
        layer.eval();
        Tensor x = Tensor.randn(rng, 2, 4).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(layer.call(x).sum());
        }
        assertTrue(x.grad() != null && layer.weight().grad() != null);
    }
}
