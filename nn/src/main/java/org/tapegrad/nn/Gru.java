package org.tapegrad.nn;

import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;

/**
 * The GRU over a sequence, PyTorch's {@code nn.GRU(batch_first=True)}: each step of each layer is a
 * {@link GruCell} step (gates r, z, n stacked in that order in {@code weight_ih_lk [3·hidden, in]} and
 * {@code weight_hh_lk [3·hidden, hidden]}, with {@code n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))}). See
 * {@link RecurrentLayer}.
 */
public final class Gru extends RecurrentLayer {
    /** One layer with biases, initialised from {@code rng}. */
    public Gru(int inputSize, int hiddenSize, RandomGenerator rng) {
        this(inputSize, hiddenSize, 1, true, rng, DType.FLOAT32);
    }

    /**
     * Stacked layers, initialised from {@code rng} layer by layer in the order weight_ih, weight_hh, bias_ih,
     * bias_hh.
     *
     * @param numLayers number of stacked layers, &gt;= 1
     * @param bias      whether each layer has bias_ih and bias_hh
     * @param dtype     of the parameters (float64 for gradient checks)
     */
    public Gru(int inputSize, int hiddenSize, int numLayers, boolean bias, RandomGenerator rng, DType dtype) {
        super(CellKind.GRU, inputSize, hiddenSize, numLayers, bias, rng, dtype);
    }
}
