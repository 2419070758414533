package org.tapegrad.nn;

import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;

/**
 * The Elman RNN over a sequence, PyTorch's {@code nn.RNN(batch_first=True)}: at each step t and layer k,
 * {@code h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh)} (or relu), with parameters {@code weight_ih_lk},
 * {@code weight_hh_lk}, {@code bias_ih_lk}, {@code bias_hh_lk}. Its gradient with respect to early hidden states
 * is a product of one Jacobian per step and typically vanishes (or, with relu or large weights, explodes) over
 * long sequences. See {@link RecurrentLayer}.
 */
public final class Rnn extends RecurrentLayer {
    /** One tanh layer with biases, initialised from {@code rng}. */
    public Rnn(int inputSize, int hiddenSize, RandomGenerator rng) {
        this(inputSize, hiddenSize, 1, "tanh", true, rng, DType.FLOAT32);
    }

    /**
     * Stacked layers, initialised from {@code rng} layer by layer in the order weight_ih, weight_hh, bias_ih,
     * bias_hh.
     *
     * @param numLayers    number of stacked layers, &gt;= 1
     * @param nonlinearity "tanh" or "relu"
     * @param bias         whether each layer has bias_ih and bias_hh
     * @param dtype        of the parameters (float64 for gradient checks)
     */
    public Rnn(int inputSize, int hiddenSize, int numLayers, String nonlinearity, boolean bias, RandomGenerator rng,
            DType dtype) {
        super(CellKind.rnn(nonlinearity, "Rnn"), inputSize, hiddenSize, numLayers, bias, rng, dtype);
    }
}
