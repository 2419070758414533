package org.tapegrad.core.data;

import java.util.Arrays;
import java.util.Objects;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * A dataset held in memory: a tensor of examples (first dimension = example) and, per example, either a class label
 * or a row of a target tensor, as PyTorch's {@code TensorDataset(x, y)}: {@code new TensorDataset(x, labels)} for
 * classification, {@code new TensorDataset(x, y)} with {@code y [n, ...]} for regression or multi-label targets
 * (for example {@code [n, k]} 0/1 rows for {@code binaryCrossEntropyWithLogits}).
 */
public final class TensorDataset implements Dataset {
    private final Tensor inputs;
    private final int[] labels;
    private final Tensor targets;

    /**
     * @param inputs [n, ...] examples; not copied (made contiguous if it is a strided view)
     * @param labels n class labels; copied
     */
    public TensorDataset(Tensor inputs, int[] labels) {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(labels, "labels");
        if (inputs.rank() == 0 || inputs.size(0) != labels.length) {
            throw new IllegalArgumentException("TensorDataset: " + labels.length + " labels for inputs of shape "
                    + Arrays.toString(inputs.shape()) + " (expected one per example)");
        }
        this.inputs = inputs.contiguous();
        this.labels = labels.clone();
        this.targets = null;
    }

    /**
     * @param inputs  [n, ...] examples; not copied (made contiguous if it is a strided view)
     * @param targets [n, ...] targets, one row per example, of any dtype and shape after the first dimension; not
     *                copied (made contiguous if it is a strided view)
     */
    public TensorDataset(Tensor inputs, Tensor targets) {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(targets, "targets");
        if (inputs.rank() == 0 || targets.rank() == 0 || inputs.size(0) != targets.size(0)) {
            throw new IllegalArgumentException("TensorDataset: targets of shape " + Arrays.toString(targets.shape())
                    + " for inputs of shape " + Arrays.toString(inputs.shape()) + " (expected the same first "
                    + "dimension, one target row per example)");
        }
        this.inputs = inputs.contiguous();
        this.labels = null;
        this.targets = targets.contiguous();
    }

    public Tensor inputs() {
        return inputs;
    }

    /** True when the examples have class labels, false when they have tensor targets. */
    public boolean hasLabels() {
        return labels != null;
    }

    /**
     * The labels (a copy).
     *
     * @throws IllegalStateException for a dataset with tensor targets
     */
    public int[] labels() {
        if (labels == null) {
            throw new IllegalStateException("TensorDataset.labels: this dataset has tensor targets of shape "
                    + Arrays.toString(targets.shape()) + ", not class labels; use targets()");
        }
        return labels.clone();
    }

    /**
     * The targets (not a copy).
     *
     * @throws IllegalStateException for a dataset with class labels
     */
    public Tensor targets() {
        if (targets == null) {
            throw new IllegalStateException("TensorDataset.targets: this dataset has class labels, not a target "
                    + "tensor; use labels()");
        }
        return targets;
    }

    @Override
    public int size() {
        return inputs.size(0);
    }

    @Override
    public Batch batch(int[] indices) {
        checkIndices(indices);
        if (labels == null) {
            return new Batch(inputs.indexSelect(indices), targets.indexSelect(indices));
        }
        int[] y = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            y[i] = labels[indices[i]];
        }
        return new Batch(inputs.indexSelect(indices), y);
    }

    /** Copies the selected rows into {@code reuse} when its shapes and dtypes fit (see {@link Dataset}). */
    @Override
    public Batch batch(int[] indices, Batch reuse) {
        if (reuse == null || reuse.hasLabels() != (labels != null) || !fits(reuse.inputs(), inputs, indices.length)
                || (labels == null ? !fits(reuse.targets(), targets, indices.length)
                        : reuse.labels().length != indices.length)) {
            return batch(indices);
        }
        checkIndices(indices); // all checked before anything is overwritten
        copyRows(inputs, indices, reuse.inputs());
        if (labels == null) {
            copyRows(targets, indices, reuse.targets());
        } else {
            int[] y = reuse.labels();
            for (int i = 0; i < indices.length; i++) {
                y[i] = labels[indices[i]];
            }
        }
        return reuse;
    }

    /** {@code into[i] = from[indices[i]]}, row by row; {@code into} is contiguous of the right shape. */
    private static void copyRows(Tensor from, int[] indices, Tensor into) {
        int row = from.numel() / from.size(0);
        if (from.dtype() == DType.FLOAT32) {
            float[] src = from.float32Matrix().data;
            float[] dst = into.float32Matrix().data;
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(src, indices[i] * row, dst, i * row, row);
            }
        } else if (!from.dtype().isFloatingPoint()) { // int32 or bool rows (token ids, masks): through a copy
            into.copyFrom(from.indexSelect(indices));
            return;
        } else {
            double[] src = from.float64Matrix().data;
            double[] dst = into.float64Matrix().data;
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(src, indices[i] * row, dst, i * row, row);
            }
        }
        into.markModified();
    }

    /** Whether {@code b} is a contiguous tensor of {@code rows} rows shaped and typed like {@code mine}'s rows. */
    private static boolean fits(Tensor b, Tensor mine, int rows) {
        int[] shape = b.shape();
        int[] own = mine.shape();
        if (b.dtype() != mine.dtype() || !b.isContiguous() || b.storageOffset() != 0 || shape.length != own.length
                || shape[0] != rows) {
            return false;
        }
        for (int d = 1; d < shape.length; d++) {
            if (shape[d] != own[d]) {
                return false;
            }
        }
        return true;
    }

    private void checkIndices(int[] indices) {
        Objects.requireNonNull(indices, "indices");
        int n = size();
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < 0 || indices[k] >= n) {
                throw new IndexOutOfBoundsException("TensorDataset.batch: index " + indices[k] + " (at position " + k
                        + " of " + indices.length + ") is outside 0.." + (n - 1) + ", the " + n + " examples");
            }
        }
    }

    /** The first {@code n} examples (shares no storage with this dataset). */
    public TensorDataset head(int n) {
        if (n < 0 || n > size()) {
            throw new IllegalArgumentException("head: " + n + " is outside 0.." + size());
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Batch b = batch(idx);
        return b.hasLabels() ? new TensorDataset(b.inputs(), b.labels()) : new TensorDataset(b.inputs(), b.targets());
    }
}
