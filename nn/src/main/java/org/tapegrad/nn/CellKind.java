package org.tapegrad.nn;

import java.util.List;
import org.tapegrad.core.Recurrence;
import org.tapegrad.core.Tensor;

/**
 * The four recurrent cells' step functions, shared by the cells and the multi-step layers, composed from core ops
 * (so every gradient comes from a gradient-checked rule). Gates are stacked in PyTorch's order along the rows of
 * the weights: LSTM i, f, g, o; GRU r, z, n.
 *
 * <p>A step takes the input's projection {@code x·W_ihᵀ + b_ih} [batch, G·hidden] (the multi-step layers compute it
 * for the whole sequence in one product and pass each step a {@code select} view of it), adds the hidden state's
 * projection {@code h·W_hhᵀ + b_hh} (one product per step), and reads the gates as {@code chunk} views of the sum.
 * Views share storage, and the engine adds the gradients of the views of one tensor into one buffer, so neither the
 * T step slices nor the G gate slices make a full-size gradient each.
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
    /** The same cell in the fused sequence op. */
    final Recurrence.Cell fusedCell;

    CellKind(int gates) {
        this.gates = gates;
        this.fusedCell = Recurrence.Cell.valueOf(name());
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
     * One step.
     *
     * @param xProjection {@code x·W_ihᵀ + b_ih} of the step's input, [batch, G·hidden] (not modified; may be a view)
     * @param h           the hidden state [batch, hidden] (not modified)
     * @param c           the cell state [batch, hidden] for the LSTM, else ignored (not modified)
     * @param weightHh    [G·hidden, hidden]
     * @param biasHh      [G·hidden], or null
     * @return the new state (c null except for the LSTM)
     */
    RecurrentState step(Tensor xProjection, Tensor h, Tensor c, Tensor weightHh, Tensor biasHh) {
        Tensor hProjection = Tensor.linear(h, weightHh, biasHh);
        return switch (this) {
            case RNN_TANH -> RecurrentState.of(xProjection.add(hProjection).tanh());
            case RNN_RELU -> RecurrentState.of(xProjection.add(hProjection).relu());
            case LSTM -> {
                List<Tensor> gates = xProjection.add(hProjection).chunk(4, 1);
                Tensor i = gates.get(0).sigmoid();
                Tensor f = gates.get(1).sigmoid();
                Tensor g = gates.get(2).tanh();
                Tensor o = gates.get(3).sigmoid();
                Tensor cNext = f.mul(c).add(i.mul(g));
                yield new RecurrentState(o.mul(cNext.tanh()), cNext);
            }
            case GRU -> {
                List<Tensor> x = xProjection.chunk(3, 1);
                List<Tensor> hh = hProjection.chunk(3, 1);
                Tensor r = x.get(0).add(hh.get(0)).sigmoid();
                Tensor u = x.get(1).add(hh.get(1)).sigmoid();
                Tensor n = x.get(2).add(r.mul(hh.get(2))).tanh();
                yield RecurrentState.of(n.add(u.mul(h.sub(n)))); // (1 - z)·n + z·h
            }
        };
    }
}
