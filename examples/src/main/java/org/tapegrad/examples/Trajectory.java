package org.tapegrad.examples;

import java.util.List;
import java.util.Set;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.optim.Adam;

/**
 * {@code trajectory}: backpropagation through time as optimal control. A point robot in the plane with position p,
 * velocity v and drag c is driven by accelerations u₀ … u_{T-1}, unrolled for T explicit Euler steps of length dt:
 *
 * <pre>
 * p_{t+1} = p_t + dt·v_t
 * v_{t+1} = v_t + dt·(u_t - c·v_t)
 * J = w_goal·‖p_T - goal‖² + w_stop·‖v_T‖² + ρ·dt·Σ_t ‖u_t‖²      (reach the goal, arrive at rest, little energy)
 * </pre>
 *
 * The controls are optimised with Adam on dJ/du, which the tape gets by one backward pass through the T steps. The
 * same gradient comes from the adjoint (costate) recursion of optimal control, written here by hand:
 * {@code λp_T = 2w_goal(p_T - goal)}, {@code λv_T = 2w_stop·v_T}, then backwards {@code λp_t = λp_{t+1}},
 * {@code λv_t = dt·λp_{t+1} + (1 - dt·c)·λv_{t+1}}, and {@code dJ/du_t = dt·λv_{t+1} + 2ρ·dt·u_t}. The command
 * prints the largest difference between the two: reverse-mode differentiation of the unrolled dynamics is the
 * adjoint method.
 */
final class Trajectory {
    static final double DT = 0.1;
    static final double DRAG = 0.5;
    static final double W_GOAL = 100;
    static final double W_STOP = 10;
    static final double RHO = 0.01;
    static final double[] GOAL = {2.0, 1.0};

    private Trajectory() {
    }

    /** What a run found: the costs before and after, where the robot ended, and the gradient check. */
    record Outcome(double initialCost, double finalCost, double finalDistance, double finalSpeed, double energy,
            double adjointDifference) {
    }

    static void main(String[] args) {
        Options o = new Options(args, Set.of("steps", "iterations", "lr"));
        if (o.help) {
            System.out.println("""
                    Usage: trajectory [--steps 50] [--iterations 300] [--lr 0.05]
                    Optimises the controls of a point robot (T Euler steps, drag) to reach a goal at rest with little
                    energy, by backpropagation through time, and checks the gradient against the adjoint recursion.""");
            return;
        }
        run(o.integer("steps", 50, 1), o.integer("iterations", 300, 1), o.real("lr", 0.05), true);
    }

    static Outcome run(int steps, int iterations, double lr, boolean print) {
        Tensor u = Tensor.zeros(DType.FLOAT64, steps, 2).requiresGrad(true);
        Adam adam = new Adam(List.of(u), Adam.Options.of(lr));
        double adjointDifference = checkAgainstAdjoint(u.detach().add(0.3), steps);
        if (print) {
            System.out.printf("Point robot, %d Euler steps of %.2f s, drag %.2f, goal (%.1f, %.1f); controls %s%n",
                    steps, DT, DRAG, GOAL[0], GOAL[1], "optimised by Adam on dJ/du from one backward pass");
            System.out.printf("BPTT gradient vs the adjoint (costate) recursion at a test point: largest |difference| "
                    + "%.2e over %d entries%n", adjointDifference, steps * 2);
            System.out.printf("%9s %12s %14s %12s %10s%n", "iteration", "cost J", "‖p_T - goal‖", "‖v_T‖", "energy");
        }
        double initial = Double.NaN;
        double cost = Double.NaN;
        for (int it = 0; it <= iterations; it++) {
            try (Tape tape = Tape.record()) {
                Tensor j = cost(u, steps);
                cost = j.item();
                if (it < iterations) {
                    tape.backward(j);
                }
            }
            if (it == 0) {
                initial = cost;
            }
            if (print && (it % Math.max(1, iterations / 6) == 0 || it == iterations)) {
                double[] end = simulate(u.toDoubleArray(), steps);
                System.out.printf("%9d %12.5f %14.5f %12.5f %10.5f%n", it, cost, distance(end), speed(end),
                        energy(u.toDoubleArray()));
            }
            if (it < iterations) {
                adam.step();
                adam.zeroGrad();
            }
        }
        double[] end = simulate(u.toDoubleArray(), steps);
        return new Outcome(initial, cost, distance(end), speed(end), energy(u.toDoubleArray()), adjointDifference);
    }

    /** J of the controls u [T, 2], recorded when a tape is. */
    static Tensor cost(Tensor u, int steps) {
        Tensor p = Tensor.zeros(DType.FLOAT64, 2);
        Tensor v = Tensor.zeros(DType.FLOAT64, 2);
        for (int t = 0; t < steps; t++) {
            Tensor ut = u.narrow(0, t, 1).reshape(2);
            Tensor next = p.add(v.mul(DT));
            v = v.add(ut.sub(v.mul(DRAG)).mul(DT));
            p = next;
        }
        Tensor goal = Tensor.of(DType.FLOAT64, GOAL, 2);
        return p.sub(goal).pow(2).sum().mul(W_GOAL)
                .add(v.pow(2).sum().mul(W_STOP))
                .add(u.pow(2).sum().mul(RHO * DT));
    }

    /** The largest difference between the tape's dJ/du at {@code u} and the adjoint recursion's. */
    static double checkAgainstAdjoint(Tensor at, int steps) {
        Tensor u = at.detach().copy().requiresGrad(true);
        try (Tape tape = Tape.record()) {
            tape.backward(cost(u, steps));
        }
        double[] tape = u.grad().toDoubleArray();
        double[] adjoint = adjointGradient(u.toDoubleArray(), steps);
        double worst = 0;
        for (int i = 0; i < tape.length; i++) {
            worst = Math.max(worst, Math.abs(tape[i] - adjoint[i]));
        }
        return worst;
    }

    /** dJ/du by the costate recursion (see the class comment), on plain arrays: u is [T, 2] row-major. */
    static double[] adjointGradient(double[] u, int steps) {
        double[][] p = new double[steps + 1][2];
        double[][] v = new double[steps + 1][2];
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < 2; k++) {
                p[t + 1][k] = p[t][k] + DT * v[t][k];
                v[t + 1][k] = v[t][k] + DT * (u[2 * t + k] - DRAG * v[t][k]);
            }
        }
        double[] grad = new double[2 * steps];
        double[] lp = new double[2];
        double[] lv = new double[2];
        for (int k = 0; k < 2; k++) {
            lp[k] = 2 * W_GOAL * (p[steps][k] - GOAL[k]);
            lv[k] = 2 * W_STOP * v[steps][k];
        }
        for (int t = steps - 1; t >= 0; t--) { // (λp, λv) hold the costates of step t + 1
            for (int k = 0; k < 2; k++) {
                grad[2 * t + k] = DT * lv[k] + 2 * RHO * DT * u[2 * t + k];
                lv[k] = DT * lp[k] + (1 - DT * DRAG) * lv[k];
            }
        }
        return grad;
    }

    /** The final state {p_x, p_y, v_x, v_y} under controls u. */
    static double[] simulate(double[] u, int steps) {
        double px = 0, py = 0, vx = 0, vy = 0;
        for (int t = 0; t < steps; t++) {
            double nx = px + DT * vx;
            double ny = py + DT * vy;
            vx += DT * (u[2 * t] - DRAG * vx);
            vy += DT * (u[2 * t + 1] - DRAG * vy);
            px = nx;
            py = ny;
        }
        return new double[] {px, py, vx, vy};
    }

    private static double distance(double[] end) {
        return Math.hypot(end[0] - GOAL[0], end[1] - GOAL[1]);
    }

    private static double speed(double[] end) {
        return Math.hypot(end[2], end[3]);
    }

    /** dt·Σ‖u_t‖². */
    private static double energy(double[] u) {
        double e = 0;
        for (double x : u) {
            e += x * x;
        }
        return DT * e;
    }
}
