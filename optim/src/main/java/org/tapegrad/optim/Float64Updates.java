// Hand-written. Float32Updates is generated from this file at build time (core/src/build/Float32Twin.java, every double becoming float): edit here.
package org.tapegrad.optim;

/**
 * The update loops of the built-in optimizers on float64 arrays, each a plain function over one range
 * {@code from..to-1} of a parameter, its gradient and its state buffers. {@link Float32Updates} is the same code in
 * float, generated from this file: the optimizers compute their coefficients (bias corrections, 1 - β, ...) at
 * full precision and pass them to the float twin rounded once, so a float32 parameter is updated in float
 * arithmetic with float state, as in PyTorch, and its loops vectorise. The formulas are in each optimizer's class comment. Every loop
 * tests only flags that do not change inside it (C2 unswitches such loops and vectorises each copy; three flags
 * at most per loop).
 *
 * <p>Arrays may be longer than the parameter: only {@code from..to-1} is read or written. Parameter arrays are
 * modified; gradients are not.
 */
final class Float64Updates {
    private Float64Updates() {
    }

    /** {@code g + λθ} (PyTorch's L2 weight decay), or g when λ is 0. */
    static double withDecay(double g, double theta, double weightDecay) {
        return weightDecay == 0 ? g : g + weightDecay * theta;
    }

    /**
     * SGD with momentum μ, dampening folded into (β, κ): b ← βb + κd, with (β, κ) = (μ, 1 - τ) after the first step
     * and (0, 1) at it (b is 0 then, so b ← d); θ ← θ - γ(d + μb) with Nesterov, θ ← θ - γb without; no momentum
     * (buf null): θ ← θ - γd. d is the gradient with weight decay.
     */
    static void sgd(double[] p, double[] g, int from, int to, double[] buf, double lr, double momentum, double beta,
            double kappa, boolean nesterov, double weightDecay) {
        if (buf == null) {
            for (int i = from; i < to; i++) {
                double theta = p[i];
                p[i] = theta - lr * withDecay(g[i], theta, weightDecay);
            }
        } else if (nesterov) {
            for (int i = from; i < to; i++) {
                double theta = p[i];
                double d = withDecay(g[i], theta, weightDecay);
                double b = beta * buf[i] + kappa * d;
                buf[i] = b;
                p[i] = theta - lr * (d + momentum * b);
            }
        } else {
            for (int i = from; i < to; i++) {
                double theta = p[i];
                double d = withDecay(g[i], theta, weightDecay);
                double b = beta * buf[i] + kappa * d;
                buf[i] = b;
                p[i] = theta - lr * b;
            }
        }
    }

    /**
     * Adam on θ·shrink (shrink is AdamW's decoupled decay 1 - γλ, or 1): m ← β₁m + (1-β₁)d, v ← β₂v + (1-β₂)d²,
     * v ← max(vmax, v) with amsgrad (vmax not null), θ ← θ - stepSize·m/(√v/c₂ + ε), with stepSize = γ/(1-β₁ᵗ)
     * and c₂ = √(1-β₂ᵗ).
     */
    static void adam(double[] p, double[] g, int from, int to, double[] expAvg, double[] expAvgSq,
            double[] maxExpAvgSq, double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2,
            double stepSize, double biasCorrection2Sqrt, double eps, double weightDecay, double shrink) {
        boolean amsgrad = maxExpAvgSq != null;
        for (int i = from; i < to; i++) {
            double theta = p[i] * shrink;
            double d = withDecay(g[i], theta, weightDecay);
            double m = beta1 * expAvg[i] + oneMinusBeta1 * d;
            double v = beta2 * expAvgSq[i] + oneMinusBeta2 * d * d;
            expAvg[i] = m;
            expAvgSq[i] = v;
            if (amsgrad) {
                v = Math.max(maxExpAvgSq[i], v);
                maxExpAvgSq[i] = v;
            }
            double denom = (double) Math.sqrt(v) / biasCorrection2Sqrt + eps;
            p[i] = theta - stepSize * m / denom;
        }
    }

    /**
     * RMSProp: v ← αv + (1-α)d²; centered (gradAvg not null): ḡ ← αḡ + (1-α)d, denominator √(v - ḡ²) + ε, else
     * √v + ε; with momentum (buf not null): b ← μb + d/denominator, θ ← θ - γb; else θ ← θ - γd/denominator.
     */
    static void rmsProp(double[] p, double[] g, int from, int to, double[] squareAvg, double[] gradAvg, double[] buf,
            double lr, double alpha, double oneMinusAlpha, double eps, double weightDecay, double momentum) {
        boolean centered = gradAvg != null;
        boolean withMomentum = buf != null;
        for (int i = from; i < to; i++) {
            double theta = p[i];
            double d = withDecay(g[i], theta, weightDecay);
            double v = alpha * squareAvg[i] + oneMinusAlpha * d * d;
            squareAvg[i] = v;
            double denom;
            if (centered) {
                double mean = alpha * gradAvg[i] + oneMinusAlpha * d;
                gradAvg[i] = mean;
                denom = (double) Math.sqrt(v - mean * mean) + eps;
            } else {
                denom = (double) Math.sqrt(v) + eps;
            }
            if (withMomentum) {
                double b = momentum * buf[i] + d / denom;
                buf[i] = b;
                p[i] = theta - lr * b;
            } else {
                p[i] = theta - lr * d / denom;
            }
        }
    }

    /** Adagrad with the decayed rate clr = γ/(1 + (t-1)η): s ← s + d², θ ← θ - clr·d/(√s + ε). */
    static void adagrad(double[] p, double[] g, int from, int to, double[] sum, double clr, double weightDecay,
            double eps) {
        for (int i = from; i < to; i++) {
            double theta = p[i];
            double d = withDecay(g[i], theta, weightDecay);
            double s = sum[i] + d * d;
            sum[i] = s;
            p[i] = theta - clr * d / ((double) Math.sqrt(s) + eps);
        }
    }
}
