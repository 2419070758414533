package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Autograd state lives in one object that a tensor creates on first need: plain tensors carry none. */
class AutogradMetaTest {

    @Test
    void plainTensorsCarryNone() {
        Tensor x = Tensor.ones(2, 3);
        Tensor y = x.mul(2).relu().reshape(6).detach();
        for (Tensor t : new Tensor[] {x, y, x.t(), x.sum()}) {
            assertFalse(t.hasAutogradMeta(), t.toString());
        }
        x.requiresGrad(false); // asking for nothing creates nothing
        x.setGrad(null);
        x.zeroGrad();
        x.zeroGrad(false);
        assertFalse(x.hasAutogradMeta());
        assertNull(x.grad());
        assertFalse(x.requiresGrad());
        assertTrue(x.isLeaf());
    }

    @Test
    void recordedTensorsAndLeavesThatRequireGradCarryIt() {
        Tensor w = Tensor.ones(2, 3).requiresGrad(true);
        Tensor c = Tensor.ones(2, 3); // a constant operand
        try (Tape tape = Tape.record()) {
            Tensor y = w.mul(c);
            assertTrue(w.hasAutogradMeta());
            assertTrue(y.hasAutogradMeta());
            assertTrue(y.requiresGrad());
            assertTrue(y.gradFnName().equals("mul"));
            tape.backward(y.sum());
            assertFalse(y.detach().hasAutogradMeta(), "a detached view has no history and no state");
        }
        assertFalse(c.hasAutogradMeta(), "an operand that needs no gradient gets no state");
        assertTrue(w.grad() != null);
        Tensor g = Tensor.zeros(2, 3);
        c.setGrad(g); // a gradient set by hand needs the state
        assertTrue(c.hasAutogradMeta());
        assertSame(g, c.grad());
        w.requiresGrad(false);
        assertFalse(w.requiresGrad());
    }
}
