package org.tapegrad.nn;

import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;

/**
 * The long short-term memory cell, PyTorch's {@code nn.LSTMCell}, gates in PyTorch's order i, f, g, o:
 * <pre>
 * [i f g o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh    (four column blocks of width hidden)
 * i, f, o   = σ(·),  g = tanh(·)
 * c'        = f ⊙ c + i ⊙ g
 * h'        = o ⊙ tanh(c')
 * </pre>
 * with weight_ih [4·hidden, input], weight_hh [4·hidden, hidden], bias_ih, bias_hh [4·hidden], all from
 * U(-1/√hidden, 1/√hidden). The additive path {@code c' = f ⊙ c + ...} is what lets gradients survive many steps.
 * {@link #forward(org.tapegrad.core.Tensor, RecurrentState)} takes and returns both h and c.
 */
public final class LstmCell extends RecurrentCell {
    /** A cell with biases, initialised from {@code rng}. */
    public LstmCell(int inputSize, int hiddenSize, RandomGenerator rng) {
        this(inputSize, hiddenSize, true, rng, DType.FLOAT32);
    }

    /**
     * A cell initialised from {@code rng} in the order weight_ih, weight_hh, bias_ih, bias_hh.
     *
     * @param bias  whether the cell has bias_ih and bias_hh
     * @param dtype of the parameters (float64 for gradient checks)
     */
    public LstmCell(int inputSize, int hiddenSize, boolean bias, RandomGenerator rng, DType dtype) {
        super(CellKind.LSTM, inputSize, hiddenSize, bias, rng, dtype);
    }
}
