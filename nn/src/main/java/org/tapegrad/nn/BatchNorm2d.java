package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Batch normalisation of an [N, C, H, W] input per channel: {@code y = (x - μ_c) / √(σ²_c + eps) · γ_c + β_c},
 * the statistics taken over the N·H·W values of each channel. In training μ and σ² are those batch statistics
 * (biased variance) and the running statistics are updated as PyTorch does: {@code running_mean ← (1-momentum)·
 * running_mean + momentum·μ}, {@code running_var ← (1-momentum)·running_var + momentum·σ²·m/(m-1)} with m = N·H·W
 * (the unbiased variance). In eval mode μ and σ² are the running statistics. Composed from core ops, so its
 * gradient needs no rule of its own.
 *
 * <p>Parameters {@code weight} (γ, ones) and {@code bias} (β, zeros) when affine; buffers {@code running_mean}
 * (zeros), {@code running_var} (ones) and {@code num_batches_tracked} when tracking: PyTorch's names and shapes.
 */
public class BatchNorm2d extends BatchNorm {
    /** PyTorch's defaults: eps 1e-5, momentum 0.1, affine, tracking running statistics. */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    /**
     * @param numFeatures       C, the number of channels of the input
     * @param eps               added to the variance for stability
     * @param momentum          weight of the new batch in the running statistics, in [0, 1]
     * @param affine            learn γ and β
     * @param trackRunningStats keep running statistics (else batch statistics are used in eval mode too)
     */
    public BatchNorm2d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super("BatchNorm2d", 4, numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    Tensor normalize(Tensor input, boolean useBatchStats) {
        return batchNorm2d(input, runningMean, runningVar, weight, bias, useBatchStats, momentum, eps);
    }

    /**
     * The functional form for x [N, C, H, W]: {@code (x - μ)/√(σ² + eps)·γ + β} per channel.
     *
     * @param runningMean [C], or null. Modified when {@code training}, else read as μ.
     * @param runningVar  [C], or null. Modified when {@code training}, else read as σ².
     * @param weight      γ [C], or null for 1. Not modified.
     * @param bias        β [C], or null for 0. Not modified.
     * @param training    use the batch statistics (and update the running ones when given)
     */
    public static Tensor batchNorm2d(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
            boolean training, double momentum, double eps) {
        int c = x.size(1);
        Tensor y;
        if (training) {
            int m = x.numel() / c;
            if (m < 2) {
                throw new IllegalArgumentException("BatchNorm2d: expected more than 1 value per channel in training, "
                        + "got input " + Arrays.toString(x.shape()));
            }
            Tensor mean = x.sumTo(1, c, 1, 1).div(m);
            Tensor d = x.sub(mean);
            Tensor var = d.mul(d).sumTo(1, c, 1, 1).div(m);
            if (runningMean != null) {
                try (Scope s = Tape.noGrad()) {
                    runningMean.mulInPlace(1 - momentum);
                    runningMean.addInPlace(mean.detach().reshape(c).to(runningMean.dtype()), momentum);
                    runningVar.mulInPlace(1 - momentum);
                    runningVar.addInPlace(var.detach().reshape(c).to(runningVar.dtype()), momentum * m / (m - 1));
                }
            }
            y = d.div(var.add(eps).sqrt());
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batchNorm2d: eval mode needs running statistics");
            }
            Tensor mean = runningMean.to(x.dtype()).reshape(1, c, 1, 1);
            Tensor var = runningVar.to(x.dtype()).reshape(1, c, 1, 1);
            y = x.sub(mean).div(var.add(eps).sqrt());
        }
        if (weight != null) {
            y = y.mul(weight.reshape(1, c, 1, 1));
        }
        return bias == null ? y : y.add(bias.reshape(1, c, 1, 1));
    }
}
