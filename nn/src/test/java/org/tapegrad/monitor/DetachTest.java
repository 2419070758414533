package org.tapegrad.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Sequential;

/** Hooks exist only while needed: not on unsampled steps, and never after close(). */
class DetachTest {
    private final Tensor[] data = MonitorFixtures.regression(8, 3, 5);

    /** Tape length and parameter gradients of one forward and backward. */
    private record Pass(int tapeSize, List<double[]> grads) {
    }

    private Pass pass(Sequential model) {
        try (Tape tape = Tape.record()) {
            Tensor loss = Losses.mse(model.call(data[0]), data[1]);
            int size = tape.size();
            tape.backward(loss);
            List<double[]> grads = model.parameters().stream().map(p -> p.grad().toDoubleArray()).toList();
            model.zeroGrad();
            return new Pass(size, grads);
        }
    }

    @Test
    void afterCloseTheGraphAndGradientsAreAsWithoutMonitorAndNoHookRuns() {
        Sequential plain = MonitorFixtures.small(4);
        Sequential watched = MonitorFixtures.small(4);
        GradientMonitor monitor = GradientMonitor.attach(watched, 1);
        Pass during = pass(watched);
        long calls = monitor.hookCalls;
        assertTrue(calls >= 6, "3 forward and 3 gradient hooks ran while attached, got " + calls);
        monitor.close();
        Pass after = pass(watched);
        Pass expected = pass(plain);
        assertEquals(calls, monitor.hookCalls, "no monitor hook runs after close()");
        assertEquals(expected.tapeSize(), during.tapeSize(), "the monitor never records ops");
        assertEquals(expected.tapeSize(), after.tapeSize());
        for (int i = 0; i < expected.grads().size(); i++) {
            assertArrayEquals(expected.grads().get(i), after.grads().get(i), 0);
            assertArrayEquals(expected.grads().get(i), during.grads().get(i), 0, "the monitor changes no gradient");
        }
        assertFalse(monitor.isAttached());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> monitor.afterStep(1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        monitor.close(); // idempotent
    }

    @Test
    void unsampledStepsRunNoHookAndKeepNoRecord() {
        Sequential model = MonitorFixtures.small(4);
        GradientMonitor monitor = GradientMonitor.attach(model, 3);
        long[] callsAfterStep = new long[7];
        for (int s = 0; s < 7; s++) {
            assertEquals(s % 3 == 0, monitor.sampling());
            MonitorFixtures.step(model, monitor, data[0], data[1], 0.01);
            callsAfterStep[s] = monitor.hookCalls;
        }
        assertEquals(List.of(0L, 3L, 6L), monitor.records().stream().map(StepRecord::step).toList());
        assertEquals(callsAfterStep[0], callsAfterStep[1], "step 1 is not sampled: no hook ran");
        assertEquals(callsAfterStep[1], callsAfterStep[2]);
        assertTrue(callsAfterStep[3] > callsAfterStep[2], "step 3 is sampled");
        assertEquals(7, monitor.step());
    }

    @Test
    void evaluationPassesAreNotMeasured() {
        Sequential model = MonitorFixtures.small(4);
        GradientMonitor monitor = GradientMonitor.attach(model, 1);
        try (var s = Tape.noGrad()) {
            model.call(data[0]);
        }
        assertEquals(0, monitor.hookCalls);
    }

    @Test
    void attachRejectsANonPositivePeriod() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientMonitor.attach(MonitorFixtures.small(1), 0));
        assertTrue(e.getMessage().contains("every must be at least 1"), e.getMessage());
    }
}
