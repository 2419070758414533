package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

class ParamGroupTest {

    @Test
    void groupsUseTheirOwnLearningRatesAndOptions() {
        Tensor a = Tensor.of(DType.FLOAT64, new double[] {1, 1}, 2);
        Tensor b = Tensor.of(DType.FLOAT64, new double[] {1, 1}, 2);
        Sgd opt = new Sgd(List.of(
                new ParamGroup<>(List.of(a), Sgd.Options.of(0.1)),
                new ParamGroup<>(List.of(b), Sgd.Options.of(0.5).withMomentum(0.9))));
        for (int k = 0; k < 2; k++) {
            a.setGrad(Tensor.of(DType.FLOAT64, new double[] {1, -1}, 2));
            b.setGrad(Tensor.of(DType.FLOAT64, new double[] {1, -1}, 2));
            opt.step();
        }
        // a: 1 ∓ 2·0.1 = [0.8, 1.2]. b: buf = g, then 0.9g + g = 1.9g: 1 ∓ 0.5·(1 + 1.9) = [-0.45, 2.45].
        assertArrayEquals(new double[] {0.8, 1.2}, a.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {-0.45, 2.45}, b.toDoubleArray(), 1e-12);

        double[] bBefore = b.toDoubleArray();
        opt.paramGroups().get(0).setLr(1.0);
        a.setGrad(Tensor.of(DType.FLOAT64, new double[] {1, 1}, 2));
        b.zeroGrad();
        opt.step();
        assertArrayEquals(new double[] {-0.2, 0.2}, a.toDoubleArray(), 1e-12);
        assertArrayEquals(bBefore, b.toDoubleArray(), 0.0, "no gradient: unchanged");
        assertEquals(0.5, opt.paramGroups().get(1).lr(), 0.0);
        assertEquals(0.1, opt.paramGroups().get(0).initialLr(), 0.0);
    }

    @Test
    void zeroGradSetsEveryGradientToNull() {
        Tensor a = Tensor.zeros(2);
        Tensor b = Tensor.zeros(3);
        Adam opt = new Adam(List.of(new ParamGroup<>(List.of(a), Adam.Options.defaults())));
        opt.addParamGroup(new ParamGroup<>(List.of(b), Adam.Options.of(0.1)));
        a.setGrad(Tensor.ones(2));
        b.setGrad(Tensor.ones(3));
        opt.zeroGrad();
        assertNull(a.grad());
        assertNull(b.grad());
        assertEquals(2, opt.paramGroups().size());
    }

    @Test
    void zeroGradWithoutSetToNoneKeepsZeroedBuffers() {
        Tensor a = Tensor.zeros(2);
        Tensor b = Tensor.zeros(3);
        Sgd opt = new Sgd(List.of(a, b), Sgd.Options.of(0.1));
        Tensor ga = Tensor.ones(2);
        a.setGrad(ga);
        opt.zeroGrad(false);
        assertSame(ga, a.grad());
        assertArrayEquals(new double[] {0, 0}, a.grad().toDoubleArray(), 0.0);
        assertNull(b.grad(), "a parameter without a gradient stays without one");
        opt.zeroGrad(true);
        assertNull(a.grad());
    }

    @Test
    void aParameterInTwoGroupsIsRefused() {
        Tensor a = Tensor.zeros(2);
        var e = assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(
                new ParamGroup<>(List.of(a), Sgd.Options.of(0.1)), new ParamGroup<>(List.of(a), Sgd.Options.of(0.2)))));
        assertEquals("some parameters appear in more than one parameter group", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(), Sgd.Options.of(0.1)));
    }

    @Test
    void stepAfterBackwardUpdatesAParameterThatRequiresGrad() {
        // The usual loop: gradients from the tape, the update outside the recording. loss = Σ w², dL/dw = 2w.
        Tensor w = Tensor.of(new float[] {1f, -3f}, 2).requiresGrad(true);
        Sgd opt = new Sgd(List.of(w), Sgd.Options.of(0.25));
        try (Tape tape = Tape.record()) {
            tape.backward(w.mul(w).sum());
        }
        opt.step();
        opt.zeroGrad();
        // w - 0.25·2w = w/2
        assertArrayEquals(new float[] {0.5f, -1.5f}, w.toFloatArray(), 0f);
        assertNull(w.grad());
    }
}
