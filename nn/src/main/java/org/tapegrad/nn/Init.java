package org.tapegrad.nn;

import java.util.Objects;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.tapegrad.core.DType;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Initialisers after PyTorch's {@code torch.nn.init}: each fills a tensor in place (Modified.) from an explicit,
 * seeded generator and returns it. Safe on parameters, also inside {@link Tape#record()} (the fill is not
 * recorded).
 *
 * <p>Fans follow PyTorch: for a weight {@code [out, in]}, {@code fanIn = in} and {@code fanOut = out}; for
 * {@code [out, in, k...]} both are multiplied by the receptive field size {@code Πk}.
 *
 * <pre>{@code
 * jshell> var w = Tensor.zeros(256, 784);
 * jshell> Init.kaimingNormal(w, 0, Init.FanMode.FAN_IN, Init.Nonlinearity.RELU, new java.util.Random(0));  // std √(2/784)
 * }</pre>
 */
public final class Init {
    private Init() {
    }

    /** Which fan {@link #kaimingUniform} and {@link #kaimingNormal} preserve the variance of. */
    public enum FanMode {
        /** Preserves the variance of activations in the forward pass. */
        FAN_IN,
        /** Preserves the variance of gradients in the backward pass. */
        FAN_OUT
    }

    /** Activations known to {@link #calculateGain(Nonlinearity, double)}. */
    public enum Nonlinearity {
        /** Gain 1. */
        LINEAR,
        /** Gain 1. */
        SIGMOID,
        /** Gain 5/3. */
        TANH,
        /** Gain √2. */
        RELU,
        /** Gain √(2 / (1 + slope²)). */
        LEAKY_RELU
    }

    /**
     * The recommended gain for {@code nonlinearity}: 1 (linear, sigmoid), 5/3 (tanh), √2 (relu),
     * √(2/(1+param²)) (leaky relu with negative slope {@code param}; NaN means PyTorch's default 0.01).
     */
    public static double calculateGain(Nonlinearity nonlinearity, double param) {
        Objects.requireNonNull(nonlinearity, "nonlinearity");
        return switch (nonlinearity) {
            case LINEAR, SIGMOID -> 1;
            case TANH -> 5.0 / 3;
            case RELU -> Math.sqrt(2);
            case LEAKY_RELU -> {
                double slope = Double.isNaN(param) ? 0.01 : param;
                yield Math.sqrt(2 / (1 + slope * slope));
            }
        };
    }

    /** {@link #calculateGain(Nonlinearity, double)} with the default parameter. */
    public static double calculateGain(Nonlinearity nonlinearity) {
        return calculateGain(nonlinearity, Double.NaN);
    }

    /** {@code fanIn = size(1)·Πk}: the number of inputs each output sums over. */
    public static int fanIn(Tensor t) {
        return fans(t)[0];
    }

    /** {@code fanOut = size(0)·Πk}. */
    public static int fanOut(Tensor t) {
        return fans(t)[1];
    }

    private static int[] fans(Tensor t) {
        if (t.rank() < 2) {
            throw new IllegalArgumentException("Init: fan in and fan out need a tensor of at least 2 dimensions "
                    + "([out, in, ...]), got shape " + java.util.Arrays.toString(t.shape()));
        }
        int receptive = t.numel() / (t.size(0) * t.size(1));
        return new int[] {t.size(1) * receptive, t.size(0) * receptive};
    }

    /** Fills {@code t} with {@code value}; returns t. */
    public static Tensor constant(Tensor t, double value) {
        try (Scope s = Tape.noGrad()) {
            t.fill(value);
        }
        return t;
    }

    /** Fills {@code t} with 0; returns t. */
    public static Tensor zeros(Tensor t) {
        return constant(t, 0);
    }

    /** Fills {@code t} with 1; returns t. */
    public static Tensor ones(Tensor t) {
        return constant(t, 1);
    }

    /** Fills {@code t} with samples of U(a, b); returns t. */
    public static Tensor uniform(Tensor t, double a, double b, RandomGenerator rng) {
        if (!(a <= b)) {
            throw new IllegalArgumentException("Init.uniform: lower bound " + a + " exceeds upper bound " + b);
        }
        double[] v = new double[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a + (b - a) * rng.nextDouble();
        }
        return set(t, v);
    }

    /** Fills {@code t} with samples of N(mean, std²); returns t. */
    public static Tensor normal(Tensor t, double mean, double std, RandomGenerator rng) {
        if (!(std >= 0)) {
            throw new IllegalArgumentException("Init.normal: std must be >= 0, got " + std);
        }
        double[] v = new double[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = mean + std * rng.nextGaussian();
        }
        return set(t, v);
    }

    /** Glorot uniform: U(-a, a) with {@code a = gain·√(6 / (fanIn + fanOut))}; returns t. */
    public static Tensor xavierUniform(Tensor t, double gain, RandomGenerator rng) {
        int[] f = fans(t);
        double a = Math.sqrt(3) * gain * Math.sqrt(2.0 / (f[0] + f[1]));
        return uniform(t, -a, a, rng);
    }

    /** {@link #xavierUniform(Tensor, double, RandomGenerator)} with gain 1. */
    public static Tensor xavierUniform(Tensor t, RandomGenerator rng) {
        return xavierUniform(t, 1, rng);
    }

    /** Glorot normal: N(0, std²) with {@code std = gain·√(2 / (fanIn + fanOut))}; returns t. */
    public static Tensor xavierNormal(Tensor t, double gain, RandomGenerator rng) {
        int[] f = fans(t);
        return normal(t, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])), rng);
    }

    /** {@link #xavierNormal(Tensor, double, RandomGenerator)} with gain 1. */
    public static Tensor xavierNormal(Tensor t, RandomGenerator rng) {
        return xavierNormal(t, 1, rng);
    }

    /**
     * He uniform: U(-b, b) with {@code b = √3 · gain / √fan}, {@code gain = calculateGain(nonlinearity, a)} and
     * {@code fan} chosen by {@code mode}; returns t.
     *
     * @param a the negative slope of the leaky ReLU that follows (used only for {@code LEAKY_RELU})
     */
    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity,
            RandomGenerator rng) {
        double bound = Math.sqrt(3) * kaimingStd(t, a, mode, nonlinearity);
        return uniform(t, -bound, bound, rng);
    }

    /** {@link #kaimingUniform(Tensor, double, FanMode, Nonlinearity, RandomGenerator)} for fan-in and ReLU. */
    public static Tensor kaimingUniform(Tensor t, RandomGenerator rng) {
        return kaimingUniform(t, 0, FanMode.FAN_IN, Nonlinearity.RELU, rng);
    }

    /** He normal: N(0, std²) with {@code std = gain / √fan} (see {@link #kaimingUniform}); returns t. */
    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity,
            RandomGenerator rng) {
        return normal(t, 0, kaimingStd(t, a, mode, nonlinearity), rng);
    }

    /** {@link #kaimingNormal(Tensor, double, FanMode, Nonlinearity, RandomGenerator)} for fan-in and ReLU. */
    public static Tensor kaimingNormal(Tensor t, RandomGenerator rng) {
        return kaimingNormal(t, 0, FanMode.FAN_IN, Nonlinearity.RELU, rng);
    }

    private static double kaimingStd(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        int[] f = fans(t);
        int fan = Objects.requireNonNull(mode, "mode") == FanMode.FAN_IN ? f[0] : f[1];
        return calculateGain(nonlinearity, a) / Math.sqrt(fan);
    }

    /**
     * A (semi-)orthogonal matrix times {@code gain}, as PyTorch: the Q of the QR decomposition of a standard normal
     * [rows, cols] matrix ({@code rows = size(0)}, {@code cols = numel / rows}; transposed first when rows &lt; cols),
     * with each column multiplied by the sign of R's diagonal so the result is uniformly distributed. Then
     * {@code WᵀW = gain²·I} (rows &gt;= cols) or {@code WWᵀ = gain²·I}; returns t.
     */
    public static Tensor orthogonal(Tensor t, double gain, RandomGenerator rng) {
        if (t.rank() < 2) {
            throw new IllegalArgumentException("Init.orthogonal: needs a tensor of at least 2 dimensions, got shape "
                    + java.util.Arrays.toString(t.shape()));
        }
        int rows = t.size(0);
        int cols = t.numel() / rows;
        int m = Math.max(rows, cols);
        int n = Math.min(rows, cols);
        DMatrixRMaj a = new DMatrixRMaj(m, n);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = rng.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(m, n);
        if (!qr.decompose(a)) {
            throw new ArithmeticException("Init.orthogonal: QR decomposition failed for a " + m + " x " + n + " matrix");
        }
        DMatrixRMaj q = qr.getQ(null, true); // m x n
        DMatrixRMaj r = qr.getR(null, true); // n x n
        for (int j = 0; j < n; j++) {
            double sign = Math.signum(r.get(j, j));
            for (int i = 0; i < m; i++) {
                q.set(i, j, q.get(i, j) * sign * gain);
            }
        }
        if (rows < cols) {
            q = CommonOps_DDRM.transpose(q, null);
        }
        return set(t, q.data);
    }

    /** {@link #orthogonal(Tensor, double, RandomGenerator)} with gain 1. */
    public static Tensor orthogonal(Tensor t, RandomGenerator rng) {
        return orthogonal(t, 1, rng);
    }

    private static Tensor set(Tensor t, double[] values) {
        try (Scope s = Tape.noGrad()) {
            t.copyFrom(Tensor.of(DType.FLOAT64, values, t.shape()));
        }
        return t;
    }
}
