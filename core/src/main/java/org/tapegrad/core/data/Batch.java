package org.tapegrad.core.data;

import java.util.Arrays;
import java.util.Objects;
import org.tapegrad.core.Tensor;

/**
 * A minibatch: inputs with the batch as their first dimension, and per row either one class label (classification)
 * or a row of a target tensor (regression, multi-label: PyTorch's {@code TensorDataset(x, y)} with a float
 * {@code y}). Exactly one of {@code labels} and {@code targets} is present.
 *
 * @param inputs  [batch, ...] features
 * @param labels  class indices, one per row of {@code inputs}; null for a batch with tensor targets
 * @param targets [batch, ...] targets; null for a batch with class labels
 */
public record Batch(Tensor inputs, int[] labels, Tensor targets) {
    public Batch {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.rank() == 0) {
            throw new IllegalArgumentException("Batch: inputs must have a batch dimension, got a scalar");
        }
        if ((labels == null) == (targets == null)) {
            throw new IllegalArgumentException("Batch: give either class labels or a target tensor, got "
                    + (labels == null ? "neither" : "both"));
        }
        int rows = labels != null ? labels.length : targets.rank() == 0 ? -1 : targets.size(0);
        if (inputs.size(0) != rows) {
            throw new IllegalArgumentException("Batch: " + (labels != null ? labels.length + " labels"
                    : "targets of shape " + Arrays.toString(targets.shape())) + " for inputs of shape "
                    + Arrays.toString(inputs.shape()) + " (expected one per row)");
        }
    }

    /** A classification batch. */
    public Batch(Tensor inputs, int[] labels) {
        this(inputs, Objects.requireNonNull(labels, "labels"), null);
    }

    /** A batch with tensor targets: {@code targets.size(0) == inputs.size(0)}. */
    public Batch(Tensor inputs, Tensor targets) {
        this(inputs, null, Objects.requireNonNull(targets, "targets"));
    }

    /** True for a batch of class labels, false for one of tensor targets. */
    public boolean hasLabels() {
        return labels != null;
    }

    /**
     * The class labels.
     *
     * @throws IllegalStateException for a batch with tensor targets (use {@link #targets()})
     */
    @Override
    public int[] labels() {
        if (labels == null) {
            throw new IllegalStateException("Batch.labels: this batch has tensor targets of shape "
                    + Arrays.toString(targets.shape()) + ", not class labels; use targets()");
        }
        return labels;
    }

    /** The class labels as a 1-D int32 tensor (a copy), for the losses and ops that take index tensors. */
    public Tensor labelsTensor() {
        int[] y = labels();
        return Tensor.of(y, y.length);
    }

    /**
     * The target tensor.
     *
     * @throws IllegalStateException for a batch of class labels (use {@link #labels()})
     */
    @Override
    public Tensor targets() {
        if (targets == null) {
            throw new IllegalStateException("Batch.targets: this batch has " + labels.length + " class labels, not "
                    + "a target tensor; use labels()");
        }
        return targets;
    }

    /** The number of rows. */
    public int size() {
        return inputs.size(0);
    }
}
