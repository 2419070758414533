package org.tapegrad.nn;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.tapegrad.core.Tensor;

/**
 * A lookup table: row {@code i} of the weight [numEmbeddings, dim] is the vector of index i, so
 * {@code y[..., :] = W[idx[...], :]}. Weight initialised N(0, 1) as PyTorch. Gradient: each output row added into
 * the weight row it came from (repeated indices accumulate).
 */
public class Embedding extends Layer {
    private final int numEmbeddings;
    private final int dim;
    private final Tensor weight;

    /** A table initialised from {@link Seed#random()}. */
    public Embedding(int numEmbeddings, int dim) {
        this(numEmbeddings, dim, Seed.random());
    }

    /** A table of {@code numEmbeddings} vectors of size {@code dim}, initialised N(0, 1) from {@code rng}. */
    public Embedding(int numEmbeddings, int dim, RandomGenerator rng) {
        if (numEmbeddings <= 0 || dim <= 0) {
            throw new IllegalArgumentException("Embedding: numEmbeddings and dim must be positive, got " + numEmbeddings
                    + " and " + dim);
        }
        this.numEmbeddings = numEmbeddings;
        this.dim = dim;
        this.weight = registerParameter("weight", Init.normal(Tensor.zeros(numEmbeddings, dim), 0, 1, rng));
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
        return weight.indexSelect(indices);
    }

    /**
     * Looks up a tensor of integral values (any dtype, rank up to 3): the output has the input's shape plus
     * {@code dim}. Not differentiable with respect to the indices.
     */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() > 3) {
            throw new IllegalArgumentException("Embedding: indices of rank " + input.rank() + " " + Arrays.toString(input.shape())
                    + " would give an output of rank " + (input.rank() + 1) + "; at most rank 3 is supported");
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
        return weight.indexSelect(indices).reshape(outShape);
    }

    private void checkIndex(double index, int position) {
        if (index < 0 || index >= numEmbeddings) {
            throw new IndexOutOfBoundsException("Embedding: index " + (long) index + " at position " + position
                    + " is outside [0, " + numEmbeddings + ")");
        }
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + dim;
    }
}
