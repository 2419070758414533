package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.DType;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * What {@link BatchNorm1d} and {@link BatchNorm2d} share (PyTorch's {@code _BatchNorm}): the parameters γ and β,
 * the buffers {@code running_mean}, {@code running_var} and {@code num_batches_tracked}, validation, and the
 * choice between batch statistics (training, or no running statistics) and running ones (eval). Subclasses say
 * which input rank they take and apply their functional form.
 */
public abstract class BatchNorm extends Layer {
    private final String name;
    private final int inputRank;
    final int numFeatures;
    final double eps;
    final double momentum;
    final Tensor weight;
    final Tensor bias;
    final Tensor runningMean;
    final Tensor runningVar;
    private final Tensor numBatchesTracked;

    BatchNorm(String name, int inputRank, int numFeatures, double eps, double momentum, boolean affine,
            boolean trackRunningStats) {
        if (numFeatures <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(name + ": expected numFeatures > 0, eps > 0 and momentum in [0, 1], got "
                    + numFeatures + ", " + eps + ", " + momentum);
        }
        this.name = name;
        this.inputRank = inputRank;
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

    /** See the subclass's description. */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != inputRank || input.size(1) != numFeatures) {
            throw new IllegalArgumentException(name + ": expected input [N, " + numFeatures
                    + (inputRank == 4 ? ", H, W" : "") + "], got " + Arrays.toString(input.shape()));
        }
        if (isTraining() && numBatchesTracked != null) {
            try (Scope s = Tape.noGrad()) {
                numBatchesTracked.fill(numBatchesTracked.item() + 1);
            }
        }
        return normalize(input, isTraining() || runningMean == null);
    }

    /** The subclass's functional form on this layer's parameters and buffers. */
    abstract Tensor normalize(Tensor input, boolean useBatchStats);

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
                + ", trackRunningStats=" + (runningMean != null);
    }
}
