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
        this(inputSize, hiddenSize, numLayers, nonlinearity, bias, 0, false, rng, dtype);
    }

    /**
     * Stacked, optionally bidirectional layers with dropout between them, as PyTorch's constructor arguments
     * {@code dropout} and {@code bidirectional}: see {@link RecurrentLayer}. Initialised from {@code rng} layer by
     * layer, each layer's forward direction then its reverse ({@code _reverse} names), in the order weight_ih,
     * weight_hh, bias_ih, bias_hh; {@code rng} also draws the dropout masks.
     *
     * @param dropout       probability in [0, 1) of zeroing each output of every layer but the last, in training
     * @param bidirectional whether each layer also reads the sequence backwards (outputs [.., 2·hidden])
     */
    public Rnn(int inputSize, int hiddenSize, int numLayers, String nonlinearity, boolean bias, double dropout,
            boolean bidirectional, RandomGenerator rng, DType dtype) {
        super(CellKind.rnn(nonlinearity, "Rnn"), inputSize, hiddenSize, numLayers, bias, dropout, bidirectional, rng,
                dtype);
    }
}
