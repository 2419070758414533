package org.tapegrad.nn;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * One time step of a recurrent network on a batch: {@link RnnCell}, {@link LstmCell}, {@link GruCell}. Parameters
 * as PyTorch's {@code nn.RNNCell}, {@code nn.LSTMCell}, {@code nn.GRUCell}: {@code weight_ih [G·hidden, input]},
 * {@code weight_hh [G·hidden, hidden]}, {@code bias_ih}, {@code bias_hh [G·hidden]} with G gate blocks (1, 4 or 3),
 * all initialised from U(-1/√hidden, 1/√hidden) in that order, so a PyTorch state dict loads unchanged.
 *
 * <p>{@link #forward(Tensor, RecurrentState)} maps an input [batch, input] and a state (null for zeros) to the next
 * state; {@link #forward(Tensor)} starts from zeros and returns the new hidden state. To run a whole sequence, use
 * the multi-step {@link RecurrentLayer}s, which compute the same steps.
 */
public abstract sealed class RecurrentCell extends Layer permits RnnCell, LstmCell, GruCell {
    final CellKind kind;
    private final int inputSize;
    private final int hiddenSize;
    private final Tensor weightIh;
    private final Tensor weightHh;
    private final Tensor biasIh;
    private final Tensor biasHh;

    RecurrentCell(CellKind kind, int inputSize, int hiddenSize, boolean bias, RandomGenerator rng, DType dtype) {
        String owner = getClass().getSimpleName();
        if (inputSize <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException(owner + ": input and hidden sizes must be positive, got " + inputSize
                    + " and " + hiddenSize);
        }
        this.kind = kind;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        int rows = kind.gates * hiddenSize;
        double k = 1 / Math.sqrt(hiddenSize);
        weightIh = registerParameter("weight_ih", Init.uniform(Tensor.zeros(dtype, rows, inputSize), -k, k, rng));
        weightHh = registerParameter("weight_hh", Init.uniform(Tensor.zeros(dtype, rows, hiddenSize), -k, k, rng));
        biasIh = bias ? registerParameter("bias_ih", Init.uniform(Tensor.zeros(dtype, rows), -k, k, rng)) : null;
        biasHh = bias ? registerParameter("bias_hh", Init.uniform(Tensor.zeros(dtype, rows), -k, k, rng)) : null;
    }

    /**
     * One step: the state after reading {@code input}.
     *
     * @param input [batch, inputSize] (not modified)
     * @param state h [batch, hiddenSize] (and, for an LSTM, c of the same shape); null for zeros (not modified)
     * @return the new state; c is null except for an LSTM
     */
    public RecurrentState forward(Tensor input, RecurrentState state) {
        return forward(input, state, weightIh, weightHh, biasIh, biasHh);
    }

    /**
     * {@link #forward(Tensor, RecurrentState)} with the given weights in place of the parameters (same shapes), so
     * that gradient checks can perturb them as inputs.
     */
    RecurrentState forward(Tensor input, RecurrentState state, Tensor weightIh, Tensor weightHh, Tensor biasIh,
            Tensor biasHh) {
        String owner = getClass().getSimpleName();
        if (input.rank() != 2 || input.size(1) != inputSize) {
            throw new IllegalArgumentException(owner + ": expected input [batch, " + inputSize + "], got "
                    + Arrays.toString(input.shape()));
        }
        int batch = input.size(0);
        RecurrentState s = RecurrentLayer.checkState(owner, kind, state, weightIh.dtype(), input.dtype(),
                new int[] {batch, hiddenSize});
        return kind.step(Tensor.linear(input, weightIh, biasIh), s.h(), s.c(), weightHh, biasHh);
    }

    /** The new hidden state [batch, hiddenSize] after reading {@code input} [batch, inputSize] from a zero state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).h();
    }

    /** Features of each input. */
    public int inputSize() {
        return inputSize;
    }

    /** Features of the hidden state. */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** weight_ih [G·hidden, input]. */
    public Tensor weightIh() {
        return weightIh;
    }

    /** weight_hh [G·hidden, hidden]. */
    public Tensor weightHh() {
        return weightHh;
    }

    /** bias_ih [G·hidden], or null for a cell without biases. */
    public Tensor biasIh() {
        return biasIh;
    }

    /** bias_hh [G·hidden], or null for a cell without biases. */
    public Tensor biasHh() {
        return biasHh;
    }

    @Override
    protected String extraRepr() {
        return "input=" + inputSize + ", hidden=" + hiddenSize + ", bias=" + (biasIh != null)
                + (kind == CellKind.RNN_RELU ? ", nonlinearity=relu" : kind == CellKind.RNN_TANH ? ", nonlinearity=tanh" : "");
    }
}
