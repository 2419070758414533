package org.tapegrad.nn.train;

import org.tapegrad.core.Tensor;

/**
 * Top-k accuracy over batches: the fraction of rows whose label is among the k largest logits (k = 1: the usual
 * accuracy). Ties are broken toward the lower class index, like argmax. A row with any logit that is NaN or
 * infinite counts as wrong: a diverged model must not score (with NaN, {@code x > target} is false for every x,
 * which would rank the label first).
 */
public final class Accuracy {
    private final int k;
    private long correct;
    private long total;

    /** Top-1 accuracy. */
    public Accuracy() {
        this(1);
    }

    public Accuracy(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("Accuracy: k must be at least 1, got " + k);
        }
        this.k = k;
    }

    /** {@link #update(Tensor, int[])} with the labels as a 1-D int32 tensor. */
    public void update(Tensor logits, Tensor labels) {
        if (labels.dtype() != org.tapegrad.core.DType.INT32 || labels.rank() != 1) {
            throw new IllegalArgumentException("Accuracy: labels must be a 1-D int32 tensor, got "
                    + java.util.Arrays.toString(labels.shape()) + " " + labels.dtype());
        }
        update(logits, labels.toIntArray());
    }

    /** Counts the rows of {@code logits} [N, C] whose label is in their top k; a non-finite row counts as wrong. */
    public void update(Tensor logits, int[] labels) {
        if (logits.rank() != 2 || logits.size(0) != labels.length) {
            throw new IllegalArgumentException("Accuracy: expected logits [N, C] with N = " + labels.length
                    + " labels, got " + java.util.Arrays.toString(logits.shape()));
        }
        int n = labels.length;
        int c = logits.size(1);
        float[] v = logits.toFloatArray();
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            if (y < 0 || y >= c) {
                throw new IllegalArgumentException("Accuracy: label " + y + " at row " + i + " is outside 0.." + (c - 1));
            }
            float target = v[i * c + y];
            int above = 0; // classes ranked before the label: larger logit, or equal logit and lower index
            boolean finite = true;
            for (int j = 0; j < c; j++) {
                float x = v[i * c + j];
                finite &= Float.isFinite(x);
                if (x > target || (x == target && j < y)) {
                    above++;
                }
            }
            if (finite && above < k) {
                correct++;
            }
        }
        total += n;
    }

    /** Fraction correct so far (0 to 1); NaN before any update. */
    public double value() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    public long correct() {
        return correct;
    }

    public long total() {
        return total;
    }

    public void reset() {
        correct = 0;
        total = 0;
    }
}
