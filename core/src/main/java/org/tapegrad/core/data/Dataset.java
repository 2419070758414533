package org.tapegrad.core.data;

/** Examples with their labels or targets, addressed by index; a {@link DataLoader} turns one into minibatches. */
public interface Dataset {
    /** Number of examples. */
    int size();

    /**
     * The examples at {@code indices}, in that order, as one batch: class labels or tensor targets (see
     * {@link Batch}). The batch's tensors are the caller's: a {@link DataLoader} with a transform modifies its
     * inputs in place, so they must not share storage with the dataset.
     */
    Batch batch(int[] indices);

    /**
     * The examples at {@code indices} written into {@code reuse}'s storage and returned, when {@code reuse} is not
     * null and has the shapes and dtype such a batch has; otherwise a new batch, as {@link #batch(int[])}. The
     * default always makes a new one.
     */
    default Batch batch(int[] indices, Batch reuse) {
        return batch(indices);
    }
}
