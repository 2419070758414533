package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.tapegrad.nn.TestTensors.assertValues;
import static org.tapegrad.nn.TestTensors.set;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/** Hooks on a Linear with W = [[1, 2], [3, 4]], b = [0.5, -0.5], so every expected value is worked out by hand. */
class HooksTest {
    private Linear lin;

    @BeforeEach
    void setUp() {
        lin = new Linear(2, 2, new Random(0));
        set(lin.weight(), 1, 2, 3, 4);
        set(lin.bias(), 0.5, -0.5);
    }

    @Test
    void preHookReplacesTheInput() {
        HookHandle h = lin.registerForwardPreHook((m, x) -> x.mul(2));
        // y = 2x·Wᵀ + b with x = [1, 1]: [2·3 + 0.5, 2·7 - 0.5]
        assertValues(new double[] {6.5, 13.5}, lin.call(Tensor.ones(1, 2)), 1e-6);
        h.remove();
        assertValues(new double[] {3.5, 6.5}, lin.call(Tensor.ones(1, 2)), 1e-6);
    }

    @Test
    void forwardHookSeesInputAndOutputAndReplacesTheOutput() {
        List<Tensor> seen = new ArrayList<>();
        Tensor x = Tensor.ones(1, 2);
        try (HookHandle h = lin.registerForwardHook((m, in, out) -> {
            assertSame(lin, m);
            seen.add(in);
            return out.add(1);
        })) {
            assertValues(new double[] {4.5, 7.5}, lin.call(x), 1e-6);
        }
        assertSame(x, seen.get(0));
        assertValues(new double[] {3.5, 6.5}, lin.call(x), 1e-6); // closed handle removed the hook
        assertEquals(1, seen.size());
    }

    @Test
    void backwardHookGetsThisModulesGradients() {
        Tensor[] got = new Tensor[2];
        int[] calls = {0};
        lin.registerBackwardHook((m, gradInput, gradOutput) -> {
            calls[0]++;
            got[0] = gradInput;
            got[1] = gradOutput;
            return null;
        });
        Tensor x = Tensor.ones(1, 2).requiresGrad(true);
        Tensor c = Tensor.of(new float[] {1, 2}, 1, 2);
        try (Tape tape = Tape.record()) {
            // x is also used outside the module (+10·Σx), which the hook's grad_input must not include.
            tape.backward(lin.call(x).mul(c).sum().add(x.sum().mul(10)));
        }
        assertEquals(1, calls[0]);
        assertValues(new double[] {1, 2}, got[1], 0);           // d loss / d y = c
        assertValues(new double[] {7, 10}, got[0], 1e-6);       // c·W = [1·1 + 2·3, 1·2 + 2·4]
        assertValues(new double[] {17, 20}, x.grad(), 1e-6);    // plus the outside use
        assertValues(new double[] {1, 1, 2, 2}, lin.weight().grad(), 1e-6); // cᵀ·x
    }

    @Test
    void backwardHookGetsNullGradInputWhenTheInputNeedsNone() {
        Tensor[] got = new Tensor[2];
        lin.registerBackwardHook((m, gradInput, gradOutput) -> {
            got[0] = gradInput;
            got[1] = gradOutput;
            return null;
        });
        try (Tape tape = Tape.record()) {
            tape.backward(lin.call(Tensor.ones(1, 2)).mul(3).sum());
        }
        assertNull(got[0]);
        assertValues(new double[] {3, 3}, got[1], 0);
    }

    @Test
    void backwardHookCanReplaceTheInputGradient() {
        lin.registerBackwardHook((m, gradInput, gradOutput) -> gradInput.mul(0));
        Tensor x = Tensor.ones(1, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(lin.call(x).sum().add(x.sum().mul(10)));
        }
        assertValues(new double[] {10, 10}, x.grad(), 1e-6);
    }

    @Test
    void removedBackwardHookIsNotCalledAndInferenceSkipsIt() {
        int[] calls = {0};
        HookHandle h = lin.registerBackwardHook((m, gi, go) -> {
            calls[0]++;
            return null;
        });
        lin.call(Tensor.ones(1, 2)); // not recording: nothing to hook
        h.remove();
        h.remove(); // idempotent
        Tensor x = Tensor.ones(1, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(lin.call(x).sum());
        }
        assertEquals(0, calls[0]);
        assertValues(new double[] {4, 6}, x.grad(), 1e-6);
    }

    @Test
    void hooksOnAChildRunWhenTheContainerIsCalled() {
        Sequential model = new Sequential(lin, new Relu());
        List<String> order = new ArrayList<>();
        model.registerForwardPreHook((m, x) -> {
            order.add("pre:model");
            return null;
        });
        lin.registerForwardHook((m, in, out) -> {
            order.add("fwd:lin");
            return null;
        });
        model.registerForwardHook((m, in, out) -> {
            order.add("fwd:model");
            return null;
        });
        model.call(Tensor.ones(1, 2));
        assertEquals(List.of("pre:model", "fwd:lin", "fwd:model"), order);
    }

    @Test
    void backwardHookOnAnIdentityForward() {
        Tensor[] got = new Tensor[2];
        Layer id = new Dropout(0.5, new Random(0)).eval(); // returns its input unchanged
        id.registerBackwardHook((m, gi, go) -> {
            got[0] = gi;
            got[1] = go;
            return null;
        });
        Tensor x = Tensor.ones(1, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(id.call(x).mul(5).sum());
        }
        assertValues(new double[] {5, 5}, got[0], 0);
        assertValues(new double[] {5, 5}, got[1], 0);
        assertValues(new double[] {5, 5}, x.grad(), 0);
    }
}
