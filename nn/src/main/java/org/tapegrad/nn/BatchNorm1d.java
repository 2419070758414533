package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Batch normalisation over the batch of an [N, C] input: {@code y = (x - μ) / √(σ² + eps) · γ + β}, per feature.
 * In training μ and σ² are the batch mean and biased variance, and the running statistics are updated as PyTorch
 * does: {@code running_mean ← (1-momentum)·running_mean + momentum·μ} and {@code running_var ← (1-momentum)·
 * running_var + momentum·σ²·N/(N-1)} (the unbiased variance). In eval mode μ and σ² are the running statistics.
 * Composed from core ops, so its gradient needs no rule of its own.
 *
 * <p>Parameters {@code weight} (γ, ones) and {@code bias} (β, zeros) when affine; buffers {@code running_mean}
 * (zeros), {@code running_var} (ones) and {@code num_batches_tracked} (a float64 scalar count) when tracking.
 */
public class BatchNorm1d extends BatchNorm {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    /**
     * @param numFeatures       C, the size of dimension 1 of the input
     * @param eps               added to the variance for stability
     * @param momentum          weight of the new batch in the running statistics, in [0, 1]
     * @param affine            learn γ and β
     * @param trackRunningStats keep running statistics (else batch statistics are used in eval mode too)
     */
    public BatchNorm1d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super("BatchNorm1d", 2, numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    Tensor normalize(Tensor input, boolean useBatchStats) {
        return batchNorm(input, runningMean, runningVar, weight, bias, useBatchStats, momentum, eps);
    }

    /**
     * The functional form, {@code torch.nn.functional.batch_norm} for x [N, C]: {@code (x - μ)/√(σ² + eps)·γ + β}.
     *
     * @param runningMean [C], or null. Modified when {@code training}, else read as μ.
     * @param runningVar  [C], or null. Modified when {@code training}, else read as σ².
     * @param weight      γ [C], or null for 1. Not modified.
     * @param bias        β [C], or null for 0. Not modified.
     * @param training    use the batch statistics (and update the running ones when given)
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
            boolean training, double momentum, double eps) {
        Tensor mean;
        Tensor var;
        if (training) {
            int n = x.size(0);
            if (n < 2) {
                throw new IllegalArgumentException("BatchNorm1d: expected more than 1 value per feature in training, "
                        + "got input " + Arrays.toString(x.shape()));
            }
            mean = x.mean(0, true);
            Tensor d = x.sub(mean);
            var = d.mul(d).mean(0, true);
            if (runningMean != null) {
                try (Scope s = Tape.noGrad()) {
                    runningMean.mulInPlace(1 - momentum);
                    runningMean.addInPlace(mean.detach().reshape(runningMean.shape()).to(runningMean.dtype()), momentum);
                    runningVar.mulInPlace(1 - momentum);
                    runningVar.addInPlace(var.detach().reshape(runningVar.shape()).to(runningVar.dtype()),
                            momentum * n / (n - 1));
                }
            }
            Tensor y = d.div(var.add(eps).sqrt());
            return affine(y, weight, bias);
        }
        if (runningMean == null || runningVar == null) {
            throw new IllegalArgumentException("batchNorm: eval mode needs running statistics");
        }
        mean = runningMean.to(x.dtype());
        var = runningVar.to(x.dtype());
        return affine(x.sub(mean).div(var.add(eps).sqrt()), weight, bias);
    }

    private static Tensor affine(Tensor y, Tensor weight, Tensor bias) {
        if (weight != null) {
            y = y.mul(weight);
        }
        return bias == null ? y : y.add(bias);
    }
}
