package org.tapegrad.core.data;

import org.tapegrad.core.Tensor;

/** A dataset held in memory: a tensor of examples (first dimension = example) and their class labels. */
public final class TensorDataset implements Dataset {
    private final Tensor inputs;
    private final int[] labels;

    /**
     * @param inputs [n, ...] examples; not copied
     * @param labels n class labels; copied
     */
    public TensorDataset(Tensor inputs, int[] labels) {
        if (inputs.rank() == 0 || inputs.size(0) != labels.length) {
            throw new IllegalArgumentException("TensorDataset: " + labels.length + " labels for inputs of shape "
                    + java.util.Arrays.toString(inputs.shape()));
        }
        this.inputs = inputs;
        this.labels = labels.clone();
    }

    public Tensor inputs() {
        return inputs;
    }

    /** The labels (a copy). */
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public Batch batch(int[] indices) {
        int[] y = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            y[i] = labels[indices[i]];
        }
        return new Batch(inputs.indexSelect(indices), y);
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
        return new TensorDataset(b.inputs(), b.labels());
    }
}
