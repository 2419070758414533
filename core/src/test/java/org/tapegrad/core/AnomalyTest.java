package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AnomalyTest {

    @Test
    void forwardNanNamesTheOpAndTheCallerLine() {
        Tensor x = Tensor.of(new double[] {1, -1}, 2);
        try (Scope a = Anomaly.detect()) {
            AnomalyException e = assertThrows(AnomalyException.class, () -> x.log());
            assertTrue(e.getMessage().startsWith("log produced 1 NaN value in its output [2]"), e.getMessage());
            assertTrue(e.getMessage().contains("AnomalyTest.java"), e.getMessage());
        }
        assertFalse(Anomaly.isEnabled());
        assertTrue(Double.isNaN(x.log().toDoubleArray()[1]), "off by default: NaN passes silently");
    }

    @Test
    void backwardInfinityNamesTheOpWhoseRuleProducedIt() {
        Tensor x = Tensor.of(new double[] {0, 4}, 2).requiresGrad(true);
        try (Scope a = Anomaly.detect(); Tape tape = Tape.record()) {
            Tensor y = x.sqrt().sum(); // d sqrt(x)/dx = 1/(2 sqrt x) is infinite at 0
            AnomalyException e = assertThrows(AnomalyException.class, () -> tape.backward(y));
            assertTrue(e.getMessage().startsWith("backward of sqrt produced 1 infinite value"), e.getMessage());
            assertTrue(e.getMessage().contains("AnomalyTest.java"), e.getMessage());
        }
    }

    @Test
    void maskedFillWithMinusInfinityIsDeliberateButAFullyMaskedSoftmaxRowIsNot() {
        Tensor x = Tensor.of(DType.FLOAT64, new double[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor mask = Tensor.of(new double[] {0, 1, 1}, 1, 3);
        try (Scope a = Anomaly.detect(); Tape tape = Tape.record()) {
            Tensor p = x.maskedFill(mask, Double.NEGATIVE_INFINITY).softmax(1); // attention's masked scores
            assertTrue(p.get(1, 0) == 1 && p.get(1, 2) == 0, p.toString());
            tape.backward(p.mul(x).sum());
            assertTrue(x.grad().get(0, 0) == 1 && x.grad().get(0, 1) == 0, x.grad().toString());
            // Values the mask keeps are still checked: an infinity from the input is reported.
            Tensor inf = Tensor.of(new double[] {Double.POSITIVE_INFINITY, 0, 0}, 1, 3);
            AnomalyException e = assertThrows(AnomalyException.class,
                    () -> inf.maskedFill(mask, Double.NEGATIVE_INFINITY));
            assertTrue(e.getMessage().startsWith("where produced 1 infinite value"), e.getMessage());
            // A row with every position masked has no softmax: NaN, as in PyTorch, which anomaly mode reports.
            Tensor all = Tensor.ones(1, 3);
            e = assertThrows(AnomalyException.class,
                    () -> x.maskedFill(all, Double.NEGATIVE_INFINITY).softmax(1));
            assertTrue(e.getMessage().startsWith("softmax produced 6 NaN values"), e.getMessage());
        }
    }

    @Test
    void withoutAnomalyModeTheBackwardCompletes() {
        Tensor x = Tensor.of(new double[] {0, 4}, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(x.sqrt().sum());
        }
        assertTrue(Double.isInfinite(x.grad().toDoubleArray()[0]));
    }
}
