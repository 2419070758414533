package org.tapegrad.nn;

import java.util.ArrayList;
import java.util.List;
import org.tapegrad.core.Tensor;

/**
 * The four recurrent cells' step functions, shared by the cells and the multi-step layers, composed from core ops
 * (so every gradient comes from a gradient-checked rule). Gates are stacked in PyTorch's order along the rows of
 * the weights: LSTM i, f, g, o; GRU r, z, n.
 *
 * <p>A step multiplies {@code z = [x, 1, h]} (the input, a column of ones when there are biases, the hidden state;
 * built by {@link #stepInput}) by one weight block per gate, {@code [W_ih_gate, b_gate, W_hh_gate]} (built once per
 * sequence by {@link #blocks}). One product per gate gives {@code x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh} for that gate
 * with no per-step bias addition and, above all, without slicing a fused [batch, G·hidden] product into gates:
 * the gradient of a slice ({@code narrow}) is a zero-padded tensor of the full size, so slicing costs G full-size
 * tensors (and their sum) per step in backward, while the gradient of {@code z}'s concatenation is cheap slices of
 * one gradient. The GRU's n gate needs its input and hidden parts apart ({@code r ⊙ (h·W_hnᵀ + b_hn)}), so it has
 * two blocks, {@code [W_in, b_in, 0]} and {@code [0, b_hn, W_hn]}.
 */
enum CellKind {
    /** {@code h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)}. */
    RNN_TANH(1),
    /** {@code h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)}. */
    RNN_RELU(1),
    /**
     * {@code i = σ(·), f = σ(·), g = tanh(·), o = σ(·)} of the four row blocks of
     * {@code x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh}; {@code c' = f ⊙ c + i ⊙ g}, {@code h' = o ⊙ tanh(c')}.
     */
    LSTM(4),
    /**
     * {@code r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)}, {@code z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)},
     * {@code n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))}, {@code h' = (1 - z) ⊙ n + z ⊙ h}.
     */
    GRU(3);

    /** Number of gate blocks stacked in the weights: weight_ih is [gates·hidden, input]. */
    final int gates;

    CellKind(int gates) {
        this.gates = gates;
    }

    /** The nonlinearity named as in PyTorch's {@code nn.RNN(nonlinearity=...)}: "tanh" or "relu". */
    static CellKind rnn(String nonlinearity, String owner) {
        if ("tanh".equals(nonlinearity)) {
            return RNN_TANH;
        }
        if ("relu".equals(nonlinearity)) {
            return RNN_RELU;
        }
        throw new IllegalArgumentException(owner + ": nonlinearity must be \"tanh\" or \"relu\", got "
                + (nonlinearity == null ? "null" : "\"" + nonlinearity + "\""));
    }

    /**
     * The per-gate weight blocks {@code [W_ih_gate, b_gate, W_hh_gate]}, each [hidden, in + 1 + hidden] (no bias
     * column without biases), where {@code b_gate = b_ih_gate + b_hh_gate}; for the GRU, r and z so, then
     * {@code [W_in, b_in, 0]} and {@code [0, b_hn, W_hn]}. Recorded, so gradients reach the parameters.
     */
    Tensor[] blocks(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh) {
        int hidden = weightHh.size(1);
        int in = weightIh.size(1);
        int rows = gates * hidden;
        boolean bias = biasIh != null;
        Tensor sum = bias ? biasIh.add(biasHh).reshape(rows, 1) : null;
        int fused = this == GRU ? 2 : gates; // GRU: r and z fused, n split into its input and hidden parts
        List<Tensor> parts = new ArrayList<>(3);
        parts.add(weightIh);
        if (bias) {
            parts.add(sum);
        }
        parts.add(weightHh);
        Tensor all = Tensor.concat(parts, 1);
        Tensor[] out = new Tensor[this == GRU ? 4 : gates];
        for (int k = 0; k < fused; k++) {
            out[k] = gates == 1 ? all : all.narrow(0, k * hidden, hidden);
        }
        if (this == GRU) {
            int n = 2 * hidden;
            Tensor zerosIn = Tensor.zeros(weightIh.dtype(), hidden, in);
            Tensor zerosHidden = Tensor.zeros(weightIh.dtype(), hidden, hidden);
            List<Tensor> input = new ArrayList<>(List.of(weightIh.narrow(0, n, hidden)));
            List<Tensor> state = new ArrayList<>(List.of(zerosIn));
            if (bias) {
                input.add(biasIh.narrow(0, n, hidden).reshape(hidden, 1));
                state.add(biasHh.narrow(0, n, hidden).reshape(hidden, 1));
            }
            input.add(zerosHidden);
            state.add(weightHh.narrow(0, n, hidden));
            out[2] = Tensor.concat(input, 1);
            out[3] = Tensor.concat(state, 1);
        }
        return out;
    }

    /** {@code z = [x, ones, h]}, [batch, in + 1 + hidden]; {@code ones} [batch, 1] is null without biases. */
    static Tensor stepInput(Tensor x, Tensor ones, Tensor h) {
        return Tensor.concat(ones == null ? List.of(x, h) : List.of(x, ones, h), 1);
    }

    /**
     * One step.
     *
     * @param z      {@link #stepInput} of the step's input and h (not modified)
     * @param h      the hidden state [batch, hidden] (not modified)
     * @param c      the cell state [batch, hidden] for the LSTM, else ignored (not modified)
     * @param blocks {@link #blocks} of the weights
     * @return the new state (c null except for the LSTM)
     */
    RecurrentState step(Tensor z, Tensor h, Tensor c, Tensor[] blocks) {
        return switch (this) {
            case RNN_TANH -> RecurrentState.of(gate(z, blocks, 0).tanh());
            case RNN_RELU -> RecurrentState.of(gate(z, blocks, 0).relu());
            case LSTM -> {
                Tensor i = gate(z, blocks, 0).sigmoid();
                Tensor f = gate(z, blocks, 1).sigmoid();
                Tensor g = gate(z, blocks, 2).tanh();
                Tensor o = gate(z, blocks, 3).sigmoid();
                Tensor cNext = f.mul(c).add(i.mul(g));
                yield new RecurrentState(o.mul(cNext.tanh()), cNext);
            }
            case GRU -> {
                Tensor r = gate(z, blocks, 0).sigmoid();
                Tensor u = gate(z, blocks, 1).sigmoid();
                Tensor n = gate(z, blocks, 2).add(r.mul(gate(z, blocks, 3))).tanh();
                yield RecurrentState.of(n.add(u.mul(h.sub(n)))); // (1 - z)·n + z·h
            }
        };
    }

    private static Tensor gate(Tensor z, Tensor[] blocks, int k) {
        return Tensor.matmul(z, false, blocks[k], true);
    }
}
