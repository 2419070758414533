package org.tapegrad.nn;

import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;

/**
 * The LSTM over a sequence, PyTorch's {@code nn.LSTM(batch_first=True)}: each step of each layer is an
 * {@link LstmCell} step (gates i, f, g, o stacked in that order in {@code weight_ih_lk [4·hidden, in]} and
 * {@code weight_hh_lk [4·hidden, hidden]}); the state is (h, c), each {@code [numLayers, batch, hidden]}. The cell
 * state's additive update carries gradients across many steps, where a vanilla {@link Rnn}'s vanish. See
 * {@link RecurrentLayer}.
 */
public final class Lstm extends RecurrentLayer {
    /** One layer with biases, initialised from {@code rng}. */
    public Lstm(int inputSize, int hiddenSize, RandomGenerator rng) {
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
    public Lstm(int inputSize, int hiddenSize, int numLayers, boolean bias, RandomGenerator rng, DType dtype) {
        this(inputSize, hiddenSize, numLayers, bias, 0, false, rng, dtype);
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
    public Lstm(int inputSize, int hiddenSize, int numLayers, boolean bias, double dropout, boolean bidirectional,
            RandomGenerator rng, DType dtype) {
        super(CellKind.LSTM, inputSize, hiddenSize, numLayers, bias, dropout, bidirectional, rng, dtype);
    }
}
