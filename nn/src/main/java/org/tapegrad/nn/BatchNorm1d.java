package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.DType;
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
public class BatchNorm1d extends Module {
    private final int numFeatures;
    private final double eps;
    private final double momentum;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;

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
        if (numFeatures <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm1d: expected numFeatures > 0, eps > 0 and momentum in [0, 1], got "
                    + numFeatures + ", " + eps + ", " + momentum);
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

    /** See the class description; x is [N, C]. */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 2 || input.size(1) != numFeatures) {
            throw new IllegalArgumentException("BatchNorm1d: expected input [N, " + numFeatures + "], got "
                    + Arrays.toString(input.shape()));
        }
        boolean useBatchStats = isTraining() || runningMean == null;
        if (isTraining() && numBatchesTracked != null) {
            try (Scope s = Tape.noGrad()) {
                numBatchesTracked.fill(numBatchesTracked.item() + 1);
            }
        }
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

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
                + ", trackRunningStats=" + (runningMean != null);
    }
}
