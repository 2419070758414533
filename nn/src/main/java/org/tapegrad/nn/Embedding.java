package org.tapegrad.nn;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.tapegrad.core.Tensor;

/**
 * A lookup table: row {@code i} of the weight [numEmbeddings, dim] is the vector of index i, so
 * {@code y[..., :] = W[idx[...], :]}. Weight initialised N(0, 1) as PyTorch. Gradient: each output row added into
 * the weight row it came from (repeated indices accumulate).
 *
 * <p>With a {@code paddingIdx} (PyTorch's {@code padding_idx}), that row starts at zero and gets no gradient: a
 * lookup of it gives the row's current value, with no history, so it stays a fixed pad through training (other uses
 * of the weight, a tied output layer say, still reach it).
 */
public class Embedding extends Layer {
    private final int numEmbeddings;
    private final int dim;
    private final Tensor weight;
    /** The row that gets no gradient, or -1. */
    private final int paddingIdx;

    /** A table initialised from {@link Seed#random()}. */
    public Embedding(int numEmbeddings, int dim) {
        this(numEmbeddings, dim, Seed.random());
    }

    /** A table of {@code numEmbeddings} vectors of size {@code dim}, initialised N(0, 1) from {@code rng}. */
    public Embedding(int numEmbeddings, int dim, RandomGenerator rng) {
        this(numEmbeddings, dim, null, rng);
    }

    /**
     * A table whose row {@code paddingIdx} is zero and gets no gradient (see the class comment).
     *
     * @param paddingIdx in [-numEmbeddings, numEmbeddings); a negative value counts from the end, as in PyTorch;
     *                   null for none
     */
    public Embedding(int numEmbeddings, int dim, Integer paddingIdx, RandomGenerator rng) {
        if (numEmbeddings <= 0 || dim <= 0) {
            throw new IllegalArgumentException("Embedding: numEmbeddings and dim must be positive, got " + numEmbeddings
                    + " and " + dim);
        }
        if (paddingIdx != null && (paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)) {
            throw new IllegalArgumentException("Embedding: paddingIdx " + paddingIdx + " must be within ["
                    + -numEmbeddings + ", " + numEmbeddings + ")");
        }
        this.numEmbeddings = numEmbeddings;
        this.dim = dim;
        this.paddingIdx = paddingIdx == null ? -1 : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        Tensor w = Init.normal(Tensor.zeros(numEmbeddings, dim), 0, 1, rng);
        if (this.paddingIdx >= 0) {
            w.narrow(0, this.paddingIdx, 1).fill(0);
        }
        this.weight = registerParameter("weight", w);
    }

    /** The row that gets no gradient (counted from 0), or null. */
    public Integer paddingIdx() {
        return paddingIdx < 0 ? null : paddingIdx;
    }

    /** The table [numEmbeddings, dim]. */
    public Tensor weight() {
        return weight;
    }

    /** The rows {@code indices} of the table, [indices.length, dim]. Does not run hooks (they take tensors). */
    public Tensor forward(int... indices) {
        for (int i = 0; i < indices.length; i++) {
            checkIndex(indices[i], i);
        }
        return lookup(indices);
    }

    /**
     * The rows of the table; with a padding index, the positions that look it up get its value with no history:
     * {@code rows ⊙ keep + pad}, with keep 0 there and 1 elsewhere, and pad the padding row there, 0 elsewhere.
     */
    private Tensor lookup(int[] indices) {
        Tensor rows = weight.indexSelect(indices);
        if (paddingIdx < 0 || Arrays.stream(indices).noneMatch(i -> i == paddingIdx)) {
            return rows;
        }
        double[] keep = new double[indices.length];
        double[] pad = new double[indices.length * dim];
        double[] padRow = weight.narrow(0, paddingIdx, 1).toDoubleArray();
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] == paddingIdx) {
                System.arraycopy(padRow, 0, pad, i * dim, dim);
            } else {
                keep[i] = 1;
            }
        }
        return rows.mul(Tensor.of(weight.dtype(), keep, indices.length, 1))
                .add(Tensor.of(weight.dtype(), pad, indices.length, dim));
    }

    /**
     * Looks up a tensor of integral values (int32, or any dtype holding integers; rank below Tensor.MAX_RANK): the output has the input's shape plus
     * {@code dim}. Not differentiable with respect to the indices.
     */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() >= Tensor.MAX_RANK) {
            throw new IllegalArgumentException("Embedding: indices of rank " + input.rank() + " "
                    + Arrays.toString(input.shape()) + " would give an output of rank " + (input.rank() + 1)
                    + "; tensors have at most rank " + Tensor.MAX_RANK);
        }
        double[] values = input.toDoubleArray();
        int[] indices = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (v != Math.rint(v)) {
                throw new IllegalArgumentException("Embedding: index " + v + " at position " + i
                        + " is not an integer; expected integral indices in [0, " + numEmbeddings + ")");
            }
            indices[i] = (int) v;
            checkIndex(v, i);
        }
        int[] outShape = Arrays.copyOf(input.shape(), input.rank() + 1);
        outShape[input.rank()] = dim;
        return lookup(indices).reshape(outShape);
    }

    private void checkIndex(double index, int position) {
        if (index < 0 || index >= numEmbeddings) {
            throw new IndexOutOfBoundsException("Embedding: index " + (long) index + " at position " + position
                    + " is outside [0, " + numEmbeddings + ")");
        }
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + dim + (paddingIdx >= 0 ? ", paddingIdx=" + paddingIdx : "");
    }
}
