package org.tapegrad.core;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.tapegrad.core.internal.kernel.Kernels;

/**
 * Compares the gradients computed by backpropagation with central finite differences, in float64. For use in
 * your own tests, e.g. of a layer you wrote:
 *
 * <pre>{@code
 * GradCheck.check(in -> in[0].matmul(in[1]).tanh().sum(), x, w);                 // full Jacobian, small inputs
 * GradCheck.checkDirectional(in -> model(in[0]), new Random(1), bigWeights);     // one random direction
 * }</pre>
 *
 * <p>The function must compute its output from the given tensors (it is called many times with perturbed copies
 * of them, so it must be deterministic: build any random source inside it from a fixed seed). An entry passes
 * when {@code |backprop - numeric| <= atol + rtol·|numeric|}. On failure a {@link GradCheckFailure} (an
 * {@code AssertionError}) reports the worst entry with both values.
 */
public final class GradCheck {
    private GradCheck() {
    }

    /** Step and tolerances: {@code |backprop - numeric| <= atol + rtol·|numeric|}. */
    public record Tolerance(double eps, double atol, double rtol) {
        /** PyTorch's gradcheck defaults: eps 1e-6, atol 1e-5, rtol 1e-3. */
        public static final Tolerance DEFAULT = new Tolerance(1e-6, 1e-5, 1e-3);

        public Tolerance {
            if (!(eps > 0) || !(atol >= 0) || !(rtol >= 0) || atol + rtol == 0) {
                throw new IllegalArgumentException("Tolerance: eps must be > 0 and atol, rtol >= 0 (not both 0); got eps "
                        + eps + ", atol " + atol + ", rtol " + rtol);
            }
        }
    }

    /** What a passing check compared: the number of entries and the largest absolute difference seen. */
    public record Report(long entries, double maxAbsError) {
    }

    /**
     * Thrown when a gradient disagrees with its finite difference. The message and the accessors name the worst
     * entry: the one furthest past its tolerance.
     */
    public static final class GradCheckFailure extends AssertionError {
        private static final long serialVersionUID = 1L;
        private final int input;
        private final int[] index;
        private final int outputElement;
        private final double analytic;
        private final double numeric;

        GradCheckFailure(String message, int input, int[] index, int outputElement, double analytic, double numeric) {
            super(message);
            this.input = input;
            this.index = index;
            this.outputElement = outputElement;
            this.analytic = analytic;
            this.numeric = numeric;
        }

        /** Which input the worst entry belongs to; -1 for a directional check. */
        public int input() {
            return input;
        }

        /** The worst entry's index in that input (one per dimension); empty for a directional check. */
        public int[] index() {
            return index.clone();
        }

        /** The flat index of the output element of the worst entry; -1 for a directional check. */
        public int outputElement() {
            return outputElement;
        }

        /** The worst entry's value from backpropagation. */
        public double analytic() {
            return analytic;
        }

        /** The worst entry's value from central differences. */
        public double numeric() {
            return numeric;
        }
    }

    /** Full Jacobian check with {@link Tolerance#DEFAULT}. */
    public static Report check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, Tolerance.DEFAULT, inputs);
    }

    /**
     * Full Jacobian check: every entry d output[j] / d input[i][e], by one backward pass per output element and
     * two forward passes per input element. For small inputs (up to a few hundred elements).
     */
    public static Report check(Function<Tensor[], Tensor> f, Tolerance tol, Tensor... inputs) {
        Objects.requireNonNull(tol, "tol");
        Tensor[] xs = leaves(inputs);
        int outputs;
        double[][][] analytic = new double[xs.length][][];
        try (Tape tape = Tape.record()) {
            Tensor y = evaluate(f, xs);
            outputs = y.numel();
            for (int i = 0; i < xs.length; i++) {
                analytic[i] = new double[outputs][];
            }
            for (int j = 0; j < outputs; j++) {
                if (!y.requiresGrad()) { // the output does not depend on the inputs: a zero Jacobian
                    for (int i = 0; i < xs.length; i++) {
                        analytic[i][j] = new double[xs[i].numel()];
                    }
                    continue;
                }
                Tensor seed = Tensor.zeros(DType.FLOAT64, y.shape());
                seed.dtype().kernels().set(seed.matrix(), j, 1);
                Tensor[] grads = Autograd.grad(y, seed, List.of(xs), true, false);
                for (int i = 0; i < xs.length; i++) {
                    analytic[i][j] = grads[i].toDoubleArray();
                }
            }
        }
        Worst worst = new Worst(tol);
        Kernels k = DType.FLOAT64.kernels();
        for (int i = 0; i < xs.length; i++) {
            Tensor x = xs[i];
            for (int e = 0; e < x.numel(); e++) {
                double v = k.get(x.matrix(), e);
                k.set(x.matrix(), e, v + tol.eps());
                double[] plus = evaluate(f, xs).toDoubleArray();
                k.set(x.matrix(), e, v - tol.eps());
                double[] minus = evaluate(f, xs).toDoubleArray();
                k.set(x.matrix(), e, v);
                for (int j = 0; j < outputs; j++) {
                    double numeric = (plus[j] - minus[j]) / (2 * tol.eps());
                    worst.compare(analytic[i][j][e], numeric, i, e, x.shapeRef(), j);
                }
            }
        }
        return worst.verdict("gradient check");
    }

    /** Directional check with {@link Tolerance#DEFAULT}. */
    public static Report checkDirectional(Function<Tensor[], Tensor> f, RandomGenerator rng, Tensor... inputs) {
        return checkDirectional(f, rng, Tolerance.DEFAULT, inputs);
    }

    /**
     * Directional check for large inputs: with a random direction t (over all inputs) and a random output weighting
     * c, compares {@code <t, Jᵀc>} from one backward pass with {@code (<c, f(x + eps·t)> - <c, f(x - eps·t)>) / 2eps}
     * from two forward passes.
     */
    public static Report checkDirectional(Function<Tensor[], Tensor> f, RandomGenerator rng, Tolerance tol,
            Tensor... inputs) {
        Objects.requireNonNull(rng, "rng");
        Objects.requireNonNull(tol, "tol");
        Tensor[] xs = leaves(inputs);
        Tensor[] directions = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            directions[i] = Tensor.randn(DType.FLOAT64, rng, xs[i].shape());
        }
        double analytic = 0;
        Tensor c;
        try (Tape tape = Tape.record()) {
            Tensor y = evaluate(f, xs);
            c = Tensor.randn(DType.FLOAT64, rng, y.shape());
            if (y.requiresGrad()) { // otherwise the output does not depend on the inputs: a zero Jacobian
                Tensor[] grads = Autograd.grad(y, c, List.of(xs), false, false);
                for (int i = 0; i < xs.length; i++) {
                    analytic += dot(grads[i], directions[i]);
                }
            }
        }
        Kernels k = DType.FLOAT64.kernels();
        Tensor[] saved = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            saved[i] = xs[i].detach().copy();
            k.axpy(tol.eps(), directions[i].contiguousData(), xs[i].matrix());
        }
        double plus = dot(evaluate(f, xs), c);
        for (int i = 0; i < xs.length; i++) {
            k.copy(saved[i].contiguousData(), xs[i].matrix());
            k.axpy(-tol.eps(), directions[i].contiguousData(), xs[i].matrix());
        }
        double minus = dot(evaluate(f, xs), c);
        for (int i = 0; i < xs.length; i++) {
            k.copy(saved[i].contiguousData(), xs[i].matrix());
        }
        Worst worst = new Worst(tol);
        worst.compare(analytic, (plus - minus) / (2 * tol.eps()), -1, -1, null, -1);
        return worst.verdict("directional gradient check");
    }

    /** Second-order check with {@link Tolerance#DEFAULT}. */
    public static Report checkSecondOrder(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return checkSecondOrder(f, Tolerance.DEFAULT, inputs);
    }

    /**
     * Second-order check, like PyTorch's {@code gradgradcheck}: with fixed output weights v (uniform in [-1, 1],
     * seeded), for each input k, the full Jacobian check of {@code in -> d(Σ v·f(in))/d in[k]}, the gradient
     * computed by {@link Autograd#gradWithGraph} so that backpropagation differentiates the backward pass itself.
     * Fails when a backward rule is not differentiable or its derivative is wrong.
     *
     * @return the entries of all k checks together, and the largest absolute difference among them
     */
    public static Report checkSecondOrder(Function<Tensor[], Tensor> f, Tolerance tol, Tensor... inputs) {
        Objects.requireNonNull(f, "f");
        Tensor[] xs = leaves(inputs);
        Tensor y = evaluate(f, xs);
        java.util.Random rng = new java.util.Random(0);
        double[] w = new double[y.numel()];
        for (int i = 0; i < w.length; i++) {
            w[i] = 2 * rng.nextDouble() - 1;
        }
        Tensor weights = Tensor.of(DType.FLOAT64, w, y.shape());
        long entries = 0;
        double maxAbs = 0;
        for (int k = 0; k < xs.length; k++) {
            int input = k;
            Report r = check(in -> firstGradient(f, in, weights, input), tol, xs);
            entries += r.entries();
            maxAbs = Math.max(maxAbs, r.maxAbsError());
        }
        return new Report(entries, maxAbs);
    }

    /** d(Σ weights·f(in))/d in[k], recorded on the current tape (on a tape of its own when none records). */
    private static Tensor firstGradient(Function<Tensor[], Tensor> f, Tensor[] in, Tensor weights, int k) {
        try (Tape own = Tape.isRecording() ? null : Tape.record()) {
            Tensor y = evaluate(f, in);
            if (!y.requiresGrad()) {
                return Tensor.zeros(DType.FLOAT64, in[k].shape());
            }
            return Autograd.gradWithGraph(y.mul(weights).sum(), in[k])[0];
        }
    }

    /** Own float64 copies of the inputs, marked as requiring grad. */
    private static Tensor[] leaves(Tensor[] inputs) {
        if (inputs.length == 0) {
            throw new IllegalArgumentException("GradCheck: no inputs given");
        }
        Tensor[] xs = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].dtype() != DType.FLOAT64) {
                throw new IllegalArgumentException("GradCheck: input " + i + " is " + inputs[i].dtype()
                        + "; finite differences need float64 inputs (use to(DType.FLOAT64))");
            }
            xs[i] = inputs[i].detach().copy().requiresGrad(true);
        }
        return xs;
    }

    private static Tensor evaluate(Function<Tensor[], Tensor> f, Tensor[] xs) {
        Tensor y = f.apply(xs.clone());
        if (y == null || y.dtype() != DType.FLOAT64) {
            throw new IllegalArgumentException("GradCheck: the function must return a float64 tensor, got "
                    + (y == null ? "null" : y.dtype().toString()));
        }
        return y;
    }

    private static double dot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    /** Tracks the entry closest to (or furthest past) its tolerance. */
    private static final class Worst {
        private final Tolerance tol;
        private long entries;
        private double maxAbs;
        private double worstRatio = -1;
        private String worst;
        private int worstInput;
        private int[] worstIndex;
        private int worstOutput;
        private double worstAnalytic;
        private double worstNumeric;

        Worst(Tolerance tol) {
            this.tol = tol;
        }

        void compare(double analytic, double numeric, int input, int element, int[] shape, int output) {
            entries++;
            double diff = Math.abs(analytic - numeric);
            double allowed = tol.atol() + tol.rtol() * Math.abs(numeric);
            double ratio = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff / allowed;
            maxAbs = Math.max(maxAbs, Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff);
            if (ratio > worstRatio) {
                worstRatio = ratio;
                worstInput = input;
                worstIndex = input < 0 ? new int[0] : unflatten(element, shape);
                worstOutput = output;
                worstAnalytic = analytic;
                worstNumeric = numeric;
                String where = input < 0 ? "along a random direction"
                        : "for input " + input + " element " + Arrays.toString(unflatten(element, shape))
                        + ", output element " + output;
                worst = where + ": backprop " + analytic + " vs finite difference " + numeric + " (|difference| "
                        + diff + " > allowed " + allowed + " = atol " + tol.atol() + " + rtol " + tol.rtol()
                        + " x |numeric|)";
            }
        }

        Report verdict(String what) {
            if (worstRatio > 1) {
                throw new GradCheckFailure(what + " failed " + worst + "; " + entries + " entries compared", worstInput,
                        worstIndex, worstOutput, worstAnalytic, worstNumeric);
            }
            return new Report(entries, maxAbs);
        }

        private static int[] unflatten(int flat, int[] shape) {
            int[] idx = new int[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d] = flat % shape[d];
                flat /= shape[d];
            }
            return idx;
        }
    }
}
