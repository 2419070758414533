package org.tapegrad.nn;

import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * The Elman RNN cell, PyTorch's {@code nn.RNNCell}: {@code h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)} (or relu),
 * with weight_ih [hidden, input], weight_hh [hidden, hidden], bias_ih, bias_hh [hidden], all from
 * U(-1/√hidden, 1/√hidden).
 *
 * <pre>{@code
 * jshell> var cell = new RnnCell(3, 5, new java.util.Random(0));
 * jshell> var inputs = java.util.List.of(Tensor.ones(4, 3), Tensor.zeros(4, 3));   // two steps of [batch, 3]
 * jshell> Tensor h = null;
 * jshell> for (Tensor x : inputs) h = cell.forward(x, h);   // h [batch, 5]
 * }</pre>
 */
public final class RnnCell extends RecurrentCell {
    /** A tanh cell with biases, initialised from {@code rng}. */
    public RnnCell(int inputSize, int hiddenSize, RandomGenerator rng) {
        this(inputSize, hiddenSize, "tanh", true, rng, DType.FLOAT32);
    }

    /**
     * A cell with the given nonlinearity, initialised from {@code rng} in the order weight_ih, weight_hh, bias_ih,
     * bias_hh.
     *
     * @param nonlinearity "tanh" or "relu"
     * @param bias         whether the cell has bias_ih and bias_hh
     * @param dtype        of the parameters (float64 for gradient checks)
     */
    public RnnCell(int inputSize, int hiddenSize, String nonlinearity, boolean bias, RandomGenerator rng,
            DType dtype) {
        super(CellKind.rnn(nonlinearity, "RnnCell"), inputSize, hiddenSize, bias, rng, dtype);
    }

    /**
     * One step.
     *
     * @param input [batch, inputSize] (not modified)
     * @param h     [batch, hiddenSize], or null for zeros (not modified)
     * @return the new hidden state [batch, hiddenSize]
     */
    public Tensor forward(Tensor input, Tensor h) {
        return forward(input, h == null ? null : RecurrentState.of(h)).h();
    }
}
