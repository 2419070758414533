package org.tapegrad.core.data;

import org.tapegrad.core.Tensor;

/**
 * A minibatch: inputs with the batch as their first dimension, and one class label per row.
 *
 * @param inputs [batch, ...] features
 * @param labels class indices, one per row of {@code inputs}
 */
public record Batch(Tensor inputs, int[] labels) {
    public Batch {
        if (inputs.rank() == 0 || inputs.size(0) != labels.length) {
            throw new IllegalArgumentException("Batch: " + labels.length + " labels for inputs of shape "
                    + java.util.Arrays.toString(inputs.shape()));
        }
    }

    public int size() {
        return labels.length;
    }
}
