package org.tapegrad.core.data;

import org.tapegrad.core.DType;
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
        checkIndices(indices);
        int[] y = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            y[i] = labels[indices[i]];
        }
        return new Batch(inputs.indexSelect(indices), y);
    }

    /** Copies the selected rows into {@code reuse} when its shapes and dtype fit (see {@link Dataset}). */
    @Override
    public Batch batch(int[] indices, Batch reuse) {
        if (reuse == null || !fits(reuse, indices.length)) {
            return batch(indices);
        }
        checkIndices(indices); // all checked before anything is overwritten
        int row = inputs.numel() / inputs.size(0);
        Tensor into = reuse.inputs();
        if (inputs.dtype() == DType.FLOAT32) {
            float[] from = inputs.float32Matrix().data;
            float[] to = into.float32Matrix().data;
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(from, indices[i] * row, to, i * row, row);
            }
        } else {
            double[] from = inputs.float64Matrix().data;
            double[] to = into.float64Matrix().data;
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(from, indices[i] * row, to, i * row, row);
            }
        }
        into.markModified();
        int[] y = reuse.labels();
        for (int i = 0; i < indices.length; i++) {
            y[i] = labels[indices[i]];
        }
        return reuse;
    }

    private boolean fits(Batch b, int rows) {
        int[] shape = b.inputs().shape();
        int[] mine = inputs.shape();
        if (b.inputs().dtype() != inputs.dtype() || shape.length != mine.length || shape[0] != rows
                || b.labels().length != rows) {
            return false;
        }
        for (int d = 1; d < shape.length; d++) {
            if (shape[d] != mine[d]) {
                return false;
            }
        }
        return true;
    }

    private void checkIndices(int[] indices) {
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < 0 || indices[k] >= labels.length) {
                throw new IndexOutOfBoundsException("TensorDataset.batch: index " + indices[k] + " (at position " + k
                        + " of " + indices.length + ") is outside 0.." + (labels.length - 1) + ", the "
                        + labels.length + " examples");
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
        return new TensorDataset(b.inputs(), b.labels());
    }
}
