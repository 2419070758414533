package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;
import static org.tapegrad.core.Autograd.recordSelfAdjoint;

import java.util.random.RandomGenerator;
import org.tapegrad.core.internal.kernel.UnaryFn;

/** Element-wise functions of one tensor: math and activations. Each rule is written in Tensor ops. */
final class ElementwiseOps {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private ElementwiseOps() {
    }

    /** -x. dX = -g. */
    static Tensor neg(Tensor x) {
        return recordSelfAdjoint("neg", x.constant(UnaryFn.NEG, 0, 0), (g, needs) -> new Tensor[] {g.neg()}, x);
    }

    /** x^p. dX = g·p·x^(p-1). */
    static Tensor pow(Tensor x, double p) {
        Tensor y = x.constant(UnaryFn.POW, p, 0);
        return recordSelfAdjoint("pow", y, (g, needs) -> new Tensor[] {p == 0 ? g.mul(0) : g.mul(x.pow(p - 1).mul(p))}, x);
    }

    /** e^x. dX = g·y. */
    static Tensor exp(Tensor x) {
        Tensor y = x.constant(UnaryFn.EXP, 0, 0);
        return recordSelfAdjoint("exp", y, (g, needs) -> new Tensor[] {g.mul(y)}, x);
    }

    /** log x. dX = g/x. */
    static Tensor log(Tensor x) {
        return recordSelfAdjoint("log", x.constant(UnaryFn.LOG, 0, 0), (g, needs) -> new Tensor[] {g.div(x)}, x);
    }

    /** √x. dX = g/(2y). */
    static Tensor sqrt(Tensor x) {
        Tensor y = x.constant(UnaryFn.SQRT, 0, 0);
        return recordSelfAdjoint("sqrt", y, (g, needs) -> new Tensor[] {g.div(y.mul(2))}, x);
    }

    /** |x|. dX = g·sign(x); the subgradient 0 is used at 0. */
    static Tensor abs(Tensor x) {
        return recordSelfAdjoint("abs", x.constant(UnaryFn.ABS, 0, 0),
                (g, needs) -> new Tensor[] {g.mul(x.constant(UnaryFn.SIGN, 0, 0))}, x);
    }

    /** min(max(x, lo), hi). dX = g where lo &lt;= x &lt;= hi, else 0. */
    static Tensor clamp(Tensor x, double lo, double hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clamp: min " + lo + " is greater than max " + hi);
        }
        return recordSelfAdjoint("clamp", x.constant(UnaryFn.CLAMP, lo, hi),
                (g, needs) -> new Tensor[] {g.mul(x.constant(UnaryFn.IN_RANGE, lo, hi))}, x);
    }

    /** max(x, 0). dX = g where x &gt; 0 (0 at 0, as PyTorch). */
    static Tensor relu(Tensor x) {
        return recordSelfAdjoint("relu", x.constant(UnaryFn.RELU, 0, 0), (g, needs) -> new Tensor[] {reluBackward(g, x, 0)}, x);
    }

    /** x or slope·x. dX = g or slope·g. */
    static Tensor leakyRelu(Tensor x, double slope) {
        return recordSelfAdjoint("leakyRelu", x.constant(UnaryFn.LEAKY_RELU, slope, 0),
                (g, needs) -> new Tensor[] {reluBackward(g, x, slope)}, x);
    }

    /**
     * g where x &gt; 0, else slope·g: the backward of relu and leaky relu fused into one pass (rather than a step
     * mask and a product). Recorded like any op, so gradients of gradients still flow: it is linear in g, and its
     * derivative in x is 0 almost everywhere.
     */
    private static Tensor reluBackward(Tensor g, Tensor x, double slope) {
        Tensor out = Tensor.uninitializedOutput(g.dtype(), g.shapeRef());
        g.dtype().kernels().reluBackward(g.contiguousData(), x.contiguousData(), slope, out.matrix());
        return record("reluBackward", out, (gg, needs) -> new Tensor[] {needs[0] ? reluBackward(gg, x, slope) : null, null},
                t -> t[0] == null ? null : reluBackward(t[0], x, slope), g, x);
    }

    /** σ(x) = 1/(1+e^-x). dX = g·y·(1-y). */
    static Tensor sigmoid(Tensor x) {
        Tensor y = x.constant(UnaryFn.SIGMOID, 0, 0);
        return recordSelfAdjoint("sigmoid", y, (g, needs) -> new Tensor[] {g.mul(y.mul(y.neg().add(1)))}, x);
    }

    /** tanh x. dX = g·(1-y²). */
    static Tensor tanh(Tensor x) {
        Tensor y = x.constant(UnaryFn.TANH, 0, 0);
        return recordSelfAdjoint("tanh", y, (g, needs) -> new Tensor[] {g.mul(y.mul(y).neg().add(1))}, x);
    }

    /** erf x. dX = g·(2/√π)·e^(-x²). */
    static Tensor erf(Tensor x) {
        return recordSelfAdjoint("erf", x.constant(UnaryFn.ERF, 0, 0),
                (g, needs) -> new Tensor[] {g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI))}, x);
    }

    /** x·Φ(x), composed from erf, so it needs no rule of its own. */
    static Tensor gelu(Tensor x) {
        return x.mul(x.mul(INV_SQRT_2).erf().add(1)).mul(0.5);
    }

    /** x·Φ(x) in the tanh approximation, ½x·(1 + tanh(√(2/π)·(x + 0.044715x³))), composed (no rule of its own). */
    static Tensor geluTanh(Tensor x) {
        return x.mul(x.pow(3).mul(0.044715).add(x).mul(SQRT_2_OVER_PI).tanh().add(1)).mul(0.5);
    }

    /** log(1 + x), accurate for small x. dX = g/(1 + x). */
    static Tensor log1p(Tensor x) {
        return recordSelfAdjoint("log1p", x.constant(UnaryFn.LOG1P, 0, 0), (g, needs) -> new Tensor[] {g.div(x.add(1))}, x);
    }

    /** e^x - 1, accurate for small x. dX = g·(y + 1). */
    static Tensor expm1(Tensor x) {
        Tensor y = x.constant(UnaryFn.EXPM1, 0, 0);
        return recordSelfAdjoint("expm1", y, (g, needs) -> new Tensor[] {g.mul(y.add(1))}, x);
    }

    /** log(1 + e^(βx))/β, x itself where βx &gt; threshold. dX = g·σ(βx), g where βx &gt; threshold. */
    static Tensor softplus(Tensor x, double beta, double threshold) {
        if (!(beta > 0) || Double.isInfinite(beta) || Double.isNaN(threshold)) {
            throw new IllegalArgumentException("softplus: beta must be positive and finite and threshold a number, got "
                    + "beta " + beta + ", threshold " + threshold + " (PyTorch's defaults are 1 and 20)");
        }
        return recordSelfAdjoint("softplus", x.constant(UnaryFn.SOFTPLUS, beta, threshold), (g, needs) -> {
            Tensor linear = x.constant(UnaryFn.AFFINE, beta, 0).constant(UnaryFn.GREATER, threshold, 0);
            Tensor slope = x.mul(beta).sigmoid().mul(linear.constant(UnaryFn.AFFINE, -1, 1)).add(linear);
            return new Tensor[] {g.mul(slope)};
        }, x);
    }

    /** x·σ(x), composed (dX = g·σ(x)·(1 + x·(1 - σ(x))) follows). */
    static Tensor silu(Tensor x) {
        return x.mul(x.sigmoid());
    }

    /** x where x &gt; 0, else α(e^x - 1). dX = g where x &gt; 0, else g·(y + α). */
    static Tensor elu(Tensor x, double alpha) {
        Tensor y = x.constant(UnaryFn.ELU, alpha, 0);
        return recordSelfAdjoint("elu", y, (g, needs) -> {
            Tensor positive = x.constant(UnaryFn.GREATER, 0, 0);
            return new Tensor[] {g.mul(y.add(alpha).mul(positive.constant(UnaryFn.AFFINE, -1, 1)).add(positive))};
        }, x);
    }

    /** min(max(x, lo), hi). dX = g where lo &lt; x &lt; hi, else 0 (strictly inside, as PyTorch's hardtanh). */
    static Tensor hardtanh(Tensor x, double lo, double hi) {
        if (!(lo < hi)) {
            throw new IllegalArgumentException("hardtanh: min " + lo + " must be below max " + hi);
        }
        return recordSelfAdjoint("hardtanh", x.constant(UnaryFn.CLAMP, lo, hi), (g, needs) -> {
            Tensor inside = x.constant(UnaryFn.GREATER, lo, 0).mul(x.constant(UnaryFn.NEG, 0, 0)
                    .constant(UnaryFn.GREATER, -hi, 0));
            return new Tensor[] {g.mul(inside)};
        }, x);
    }

    /** x·mask/(1-p) with mask ~ Bernoulli(1-p) in training; x itself otherwise. Composed: the mask is a constant. */
    static Tensor dropout(Tensor x, double p, boolean training, RandomGenerator rng) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout: probability " + p + " is outside [0, 1]");
        }
        if (!training || p == 0) {
            return x;
        }
        double keep = p == 1 ? 0 : 1 / (1 - p);
        Tensor mask = Tensor.uninitializedOutput(x.dtype(), x.shapeRef());
        x.dtype().kernels().bernoulliMask(mask.matrix(), mask.numel(), p, keep, rng);
        return x.mul(mask);
    }
}
