package org.tapegrad.core.data;

/** Labelled examples addressed by index; a {@link DataLoader} turns one into minibatches. */
public interface Dataset {
    /** Number of examples. */
    int size();

    /** The examples at {@code indices}, in that order, as one batch. */
    Batch batch(int[] indices);
}
