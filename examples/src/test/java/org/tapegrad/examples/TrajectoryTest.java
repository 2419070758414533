package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/** The trajectory demonstration: BPTT's gradient is the adjoint recursion's, and the optimised robot arrives. */
class TrajectoryTest {

    @Test
    void backpropagationThroughTimeIsTheAdjointRecursion() {
        Tensor u = Tensor.randn(DType.FLOAT64, new java.util.Random(4), 30, 2);
        double[] adjoint = Trajectory.adjointGradient(u.toDoubleArray(), 30);
        double norm = 0;
        for (double g : adjoint) {
            norm += g * g;
        }
        assertTrue(Math.sqrt(norm) > 1, "a gradient worth comparing: " + Math.sqrt(norm));
        double difference = Trajectory.checkAgainstAdjoint(u, 30);
        assertTrue(difference < 1e-12, "tape vs adjoint: " + difference);
    }

    @Test
    void theOptimisedControlsReachTheGoalAtRest() {
        Trajectory.Outcome o = Trajectory.run(50, 300, 0.05, false);
        assertTrue(o.adjointDifference() < 1e-12, o.toString());
        assertTrue(o.initialCost() > 400 && o.finalCost() < 0.02, o.toString());
        assertTrue(o.finalDistance() < 1e-3 && o.finalSpeed() < 1e-2, o.toString());
        assertTrue(o.energy() > 1 && o.energy() < 2, "the energy the goal needs, and not more: " + o);
    }
}
