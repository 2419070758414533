package org.tapegrad.core.internal.kernel;

/**
 * Element-wise scalar functions, written once in double precision and applied by both dtypes' kernels.
 * {@code p} and {@code q} are the function's parameters where it has any (an exponent, bounds, a slope).
 */
public enum UnaryFn {
    NEG, EXP, LOG, LOG1P, EXPM1, SQRT, ABS,
    /** -1, 0 or 1; used as the subgradient of |x| (0 at 0, as PyTorch). */
    SIGN,
    RELU,
    /** x where x &gt; 0, else p·x. */
    LEAKY_RELU,
    SIGMOID, TANH, ERF,
    /** x^p. */
    POW,
    /** min(max(x, p), q). */
    CLAMP,
    /** 1 where p &lt;= x &lt;= q, else 0: the derivative of clamp (PyTorch passes the gradient at the bounds). */
    IN_RANGE,
    /** p·x + q. */
    AFFINE,
    /** log(1 + e^(p·x))/p, or x where p·x &gt; q (PyTorch's softplus with beta p and threshold q). */
    SOFTPLUS,
    /** x where x &gt; 0, else p·(e^x - 1). */
    ELU,
    /** 1 where x &gt; p, else 0: the masks of the piecewise rules (elu, softplus, hardtanh). */
    GREATER,
    /** x where it is finite, else 0: the shift of a stable log-sum-exp when a maximum is infinite. */
    FINITE_OR_ZERO;

    double apply(double x, double p, double q) {
        switch (this) {
            case NEG: return -x;
            case EXP: return Math.exp(x);
            case LOG: return Math.log(x);
            case LOG1P: return Math.log1p(x);
            case SQRT: return Math.sqrt(x);
            case ABS: return Math.abs(x);
            case SIGN: return Math.signum(x);
            case RELU: return x > 0 ? x : 0;
            case LEAKY_RELU: return x > 0 ? x : p * x;
            case SIGMOID: return sigmoid(x);
            case TANH: return Math.tanh(x);
            case ERF: return erf(x);
            case POW: return Math.pow(x, p);
            case CLAMP: return Math.min(Math.max(x, p), q);
            case IN_RANGE: return x >= p && x <= q ? 1 : 0;
            case AFFINE: return p * x + q;
            case EXPM1: return Math.expm1(x);
            case SOFTPLUS: return p * x > q ? x : Math.log1p(Math.exp(p * x)) / p;
            case ELU: return x > 0 ? x : p * Math.expm1(x);
            case GREATER: return x > p ? 1 : 0;
            case FINITE_OR_ZERO: return Double.isFinite(x) ? x : 0;
            default: throw new AssertionError(this);
        }
    }

    /** 1 / (1 + e^-x), evaluated without overflow for large |x|. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    /**
     * The error function to about 1e-15: a series with positive terms (no cancellation) below |x| = 3, and the
     * continued fraction of erfc above it.
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        if (Double.isNaN(x)) {
            return x;
        }
        if (ax > 6) {
            return Math.signum(x);
        }
        double r;
        if (ax < 3) {
            // erf(x) = 2/sqrt(pi) e^{-x^2} sum_n 2^n x^{2n+1} / (1*3*...*(2n+1))
            double term = ax;
            double sum = ax;
            double x2 = ax * ax;
            for (int n = 1; n < 200 && term > 1e-17 * sum; n++) {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
            }
            r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        } else {
            // erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
            double f = ax;
            for (int k = 60; k >= 1; k--) {
                f = ax + (k / 2.0) / f;
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }
}
