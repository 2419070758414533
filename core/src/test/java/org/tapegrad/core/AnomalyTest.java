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
    void withoutAnomalyModeTheBackwardCompletes() {
        Tensor x = Tensor.of(new double[] {0, 4}, 2).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(x.sqrt().sum());
        }
        assertTrue(Double.isInfinite(x.grad().toDoubleArray()[0]));
    }
}
