package org.tapegrad.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.tapegrad.core.Autograd;
import org.tapegrad.core.DType;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.Linear;
import org.tapegrad.nn.Sequential;
import org.tapegrad.nn.Tanh;
import org.tapegrad.optim.Adam;

/**
 * {@code forces}: a network learns the potential energy of a small atomic system from energies and forces. Three
 * atoms in the plane interact through the Lennard-Jones potential {@code V(r) = 4((1/r)¹² - (1/r)⁶)} (ε = σ = 1),
 * {@code E = Σ_{i<j} V(r_ij)}, {@code F_i = -∂E/∂x_i}. The model is a learned pair potential: a small tanh network φ
 * of the distance, {@code Ê = Σ_{i<j} φ(r_ij)}, so it is invariant under translation, rotation and relabelling, and
 * its forces {@code F̂ = -∂Ê/∂x} are taken by backpropagation with {@code createGraph}
 * ({@link Autograd#gradWithGraph}). The loss {@code mse(Ê, E) + β·mse(F̂, F)} therefore contains a gradient, and
 * training differentiates through it (second-order backpropagation). The command prints the energy and force errors
 * on held-out configurations and φ against V.
 */
final class Forces {
    static final double FORCE_WEIGHT = 0.1;
    static final double R_MIN = 1.0;
    static final double R_MAX = 2.0;

    private Forces() {
    }

    /** Held-out errors after training: energy and force RMSE, and the force RMSE relative to the forces' RMS. */
    record Outcome(double energyRmse, double forceRmse, double forceRelativeError, double initialForceRelativeError) {
    }

    static void main(String[] args) {
        Options o = new Options(args, Set.of("steps", "seed"));
        if (o.help) {
            System.out.println("""
                    Usage: forces [--steps 1500] [--seed 1]
                    Trains a pair-potential network on the energies and forces of a Lennard-Jones trimer; the forces
                    are -dE/dx by backpropagation, so training differentiates through a gradient (createGraph).""");
            return;
        }
        run(o.integer("steps", 1500, 1), o.integer("seed", 1, 0), true);
    }

    static Outcome run(int steps, long seed, boolean print) {
        Random rng = new Random(seed);
        Layer phi = new Sequential(new Linear(1, 32, true, rng, DType.FLOAT64), new Tanh(),
                new Linear(32, 32, true, rng, DType.FLOAT64), new Tanh(), new Linear(32, 1, true, rng, DType.FLOAT64));
        Tensor[] train = configurations(rng, 512);
        Tensor[] test = configurations(rng, 256);
        double initial = evaluate(phi, test)[2];
        Adam adam = new Adam(phi.parameters(), Adam.Options.of(3e-3));
        if (print) {
            System.out.printf("Lennard-Jones trimer in the plane, distances in [%.1f, %.1f]; model: pair potential "
                    + "1-32-32-1 tanh (%,d parameters); loss mse(E) + %.1f·mse(F), F = -dE/dx by backprop%n", R_MIN,
                    R_MAX, phi.numParameters(), FORCE_WEIGHT);
            System.out.printf("%6s %12s %12s %12s%n", "step", "train loss", "E rmse", "F rmse / rms");
        }
        int batch = 64;
        for (int step = 1; step <= steps; step++) {
            int from = (step * batch) % 512;
            Tensor x = train[0].narrow(0, from, batch).detach().copy();
            Tensor e = train[1].narrow(0, from, batch);
            Tensor f = train[2].narrow(0, from, batch);
            double loss;
            try (Tape tape = Tape.record()) {
                x.requiresGrad(true);
                Tensor energy = energy(phi, x);
                Tensor force = Autograd.gradWithGraph(energy.sum(), x)[0].neg();
                Tensor l = Losses.mse(energy, e).add(Losses.mse(force, f).mul(FORCE_WEIGHT));
                tape.backward(l);
                loss = l.item();
            }
            adam.step();
            adam.zeroGrad();
            if (print && (step % Math.max(1, steps / 6) == 0 || step == 1)) {
                double[] err = evaluate(phi, test);
                System.out.printf("%6d %12.5f %12.5f %12.4f%n", step, loss, err[0], err[2]);
            }
        }
        double[] err = evaluate(phi, test);
        if (print) {
            System.out.printf("%nheld out (%d configurations): energy rmse %.4f, force rmse %.4f (%.2f%% of the forces' "
                    + "rms; %.0f%% before training)%n", test[0].size(0), err[0], err[1], 100 * err[2], 100 * initial);
            System.out.printf("%6s %10s %10s%n", "r", "V(r)", "φ(r)");
            for (double r = R_MIN; r <= R_MAX + 1e-9; r += 0.125) {
                System.out.printf("%6.3f %10.4f %10.4f%n", r, lennardJones(r), pair(phi, r));
            }
        }
        return new Outcome(err[0], err[1], err[2], initial);
    }

    /** Ê [B] of positions x [B, 3, 2]: φ summed over the three pairs. */
    static Tensor energy(Layer phi, Tensor x) {
        int b = x.size(0);
        List<Tensor> distances = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            for (int j = i + 1; j < 3; j++) {
                Tensor d = x.narrow(1, i, 1).sub(x.narrow(1, j, 1)); // [B, 1, 2]
                distances.add(d.pow(2).sum(2, false).sqrt());       // [B, 1]
            }
        }
        Tensor r = Tensor.concat(distances, 1);                     // [B, 3]
        return phi.call(r.reshape(b * 3, 1)).reshape(b, 3).sum(1, false);
    }

    /** {positions [n, 3, 2], energies [n], forces [n, 3, 2]} of random trimers with every distance in range. */
    static Tensor[] configurations(Random rng, int n) {
        double[] x = new double[n * 6];
        double[] e = new double[n];
        double[] f = new double[n * 6];
        for (int k = 0; k < n; k++) {
            double[] p = new double[6];
            do {
                for (int a = 1; a < 3; a++) {
                    double angle = 2 * Math.PI * rng.nextDouble();
                    double r = R_MIN + (R_MAX - R_MIN) * rng.nextDouble();
                    p[2 * a] = p[0] + r * Math.cos(angle);
                    p[2 * a + 1] = p[1] + r * Math.sin(angle);
                }
            } while (!inRange(p));
            for (int i = 0; i < 3; i++) {
                for (int j = i + 1; j < 3; j++) {
                    double dx = p[2 * i] - p[2 * j];
                    double dy = p[2 * i + 1] - p[2 * j + 1];
                    double r = Math.hypot(dx, dy);
                    e[k] += lennardJones(r);
                    double dv = 4 * (-12 * Math.pow(r, -13) + 6 * Math.pow(r, -7)); // V'(r)
                    // F_i = -V'(r)·(x_i - x_j)/r, and the opposite on j
                    f[6 * k + 2 * i] -= dv * dx / r;
                    f[6 * k + 2 * i + 1] -= dv * dy / r;
                    f[6 * k + 2 * j] += dv * dx / r;
                    f[6 * k + 2 * j + 1] += dv * dy / r;
                }
            }
            System.arraycopy(p, 0, x, 6 * k, 6);
        }
        return new Tensor[] {Tensor.of(DType.FLOAT64, x, n, 3, 2), Tensor.of(DType.FLOAT64, e, n),
            Tensor.of(DType.FLOAT64, f, n, 3, 2)};
    }

    private static boolean inRange(double[] p) {
        for (int i = 0; i < 3; i++) {
            for (int j = i + 1; j < 3; j++) {
                double r = Math.hypot(p[2 * i] - p[2 * j], p[2 * i + 1] - p[2 * j + 1]);
                if (r < R_MIN || r > R_MAX) {
                    return false;
                }
            }
        }
        return true;
    }

    static double lennardJones(double r) {
        return 4 * (Math.pow(r, -12) - Math.pow(r, -6));
    }

    private static double pair(Layer phi, double r) {
        try (var noGrad = Tape.noGrad()) {
            return phi.call(Tensor.of(DType.FLOAT64, new double[] {r}, 1, 1)).item();
        }
    }

    /** {energy rmse, force rmse, force rmse / force rms} of the model on {@code data}. */
    static double[] evaluate(Layer phi, Tensor[] data) {
        Tensor x = data[0].detach().copy();
        Tensor e;
        Tensor f;
        try (Tape tape = Tape.record()) {
            x.requiresGrad(true);
            Tensor energy = energy(phi, x);
            e = energy.detach();
            f = Autograd.grad(energy.sum(), x)[0].neg();
        }
        double eErr = Math.sqrt(Losses.mse(e, data[1]).item());
        double fErr = Math.sqrt(Losses.mse(f, data[2]).item());
        double fRms = Math.sqrt(data[2].pow(2).mean().item());
        return new double[] {eErr, fErr, fErr / fRms};
    }
}
