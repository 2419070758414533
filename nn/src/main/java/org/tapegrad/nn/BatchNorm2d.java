package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.DType;
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
public class BatchNorm2d extends Module {
    private final int numFeatures;
    private final double eps;
    private final double momentum;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;

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
        if (numFeatures <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm2d: expected numFeatures > 0, eps > 0 and momentum in [0, 1], "
                    + "got " + numFeatures + ", " + eps + ", " + momentum);
        }
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = affine ? registerParameter("weight", Tensor.ones(numFeatures)) : null;
        this.bias = affine ? registerParameter("bias", Tensor.zeros(numFeatures)) : null;
        this.runningMean = trackRunningStats ? registerBuffer("running_mean", Tensor.zeros(numFeatures)) : null;
        this.runningVar = trackRunningStats ? registerBuffer("running_var", Tensor.ones(numFeatures)) : null;
        this.numBatchesTracked = trackRunningStats
                ? registerBuffer("num_batches_tracked", Tensor.scalar(DType.FLOAT64, 0)) : null;
    }

    /** γ [C], or null when not affine. */
    public Tensor weight() {
        return weight;
    }

    /** β [C], or null when not affine. */
    public Tensor bias() {
        return bias;
    }

    /** The running mean [C], or null when not tracking. */
    public Tensor runningMean() {
        return runningMean;
    }

    /** The running (unbiased) variance [C], or null when not tracking. */
    public Tensor runningVar() {
        return runningVar;
    }

    /** Number of training batches seen, or 0 when not tracking. */
    public long numBatchesTracked() {
        return numBatchesTracked == null ? 0 : (long) numBatchesTracked.item();
    }

    /** See the class description; x is [N, C, H, W]. */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 4 || input.size(1) != numFeatures) {
            throw new IllegalArgumentException("BatchNorm2d: expected input [N, " + numFeatures + ", H, W], got "
                    + Arrays.toString(input.shape()));
        }
        if (isTraining() && numBatchesTracked != null) {
            try (Scope s = Tape.noGrad()) {
                numBatchesTracked.fill(numBatchesTracked.item() + 1);
            }
        }
        return batchNorm2d(input, runningMean, runningVar, weight, bias, isTraining() || runningMean == null,
                momentum, eps);
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

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
                + ", trackRunningStats=" + (runningMean != null);
    }
}
