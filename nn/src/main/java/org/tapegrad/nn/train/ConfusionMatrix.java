package org.tapegrad.nn.train;

import org.tapegrad.core.Tensor;

/** Counts of (true class, predicted class) pairs; predictions are the argmax of the logits. */
public final class ConfusionMatrix {
    private final long[][] counts;

    public ConfusionMatrix(int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("ConfusionMatrix: needs at least 2 classes, got " + classes);
        }
        counts = new long[classes][classes];
    }

    /** Adds one batch: logits [N, C] and N labels. */
    public void update(Tensor logits, int[] labels) {
        if (logits.rank() != 2 || logits.size(1) != counts.length || logits.size(0) != labels.length) {
            throw new IllegalArgumentException("ConfusionMatrix: expected logits [" + labels.length + ", "
                    + counts.length + "], got " + java.util.Arrays.toString(logits.shape()));
        }
        int[] predicted = logits.argmax(1).toIntArray();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= counts.length) {
                throw new IllegalArgumentException("ConfusionMatrix: label " + labels[i] + " at row " + i
                        + " is outside 0.." + (counts.length - 1));
            }
            counts[labels[i]][predicted[i]]++;
        }
    }

    /** How often class {@code actual} was predicted as {@code predicted}. */
    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    /** Fraction of class {@code c}'s examples predicted as c (NaN when it had none). */
    public double recall(int c) {
        long row = 0;
        for (long v : counts[c]) {
            row += v;
        }
        return row == 0 ? Double.NaN : (double) counts[c][c] / row;
    }

    /** Overall fraction correct. */
    public double accuracy() {
        long right = 0;
        long all = 0;
        for (int i = 0; i < counts.length; i++) {
            for (int j = 0; j < counts.length; j++) {
                all += counts[i][j];
                right += i == j ? counts[i][j] : 0;
            }
        }
        return all == 0 ? Double.NaN : (double) right / all;
    }

    /** A table: one row per true class, one column per predicted class, plus recall. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("true\\pred");
        for (int j = 0; j < counts.length; j++) {
            sb.append(String.format("%7d", j));
        }
        sb.append("  recall\n");
        for (int i = 0; i < counts.length; i++) {
            sb.append(String.format("%9d", i));
            for (int j = 0; j < counts.length; j++) {
                sb.append(String.format("%7d", counts[i][j]));
            }
            sb.append(String.format("  %6.2f%%%n", 100 * recall(i)));
        }
        return sb.toString();
    }
}
