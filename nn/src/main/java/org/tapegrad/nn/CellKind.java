package org.tapegrad.nn;

import org.tapegrad.core.Tensor;

/**
 * The four recurrent cells' step functions, shared by the cells and the multi-step layers, composed from core ops
 * (so every gradient comes from a gradient-checked rule). Gates are stacked in PyTorch's order along the columns of
 * the projections: LSTM i, f, g, o; GRU r, z, n.
 *
 * <p>The caller computes the input projection {@code xp = x·W_ihᵀ + bias} (see {@link #inputBias}); a step adds the
 * hidden projection {@code h·W_hhᵀ}. For the vanilla RNN and the LSTM, both biases only ever appear summed, so
 * {@code b_ih + b_hh} is folded into xp once per sequence; the GRU needs {@code b_hn} inside {@code r ⊙ (...)}, so
 * {@code b_hh} is added in the step.
 */
enum CellKind {
    /** {@code h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)}. */
    RNN_TANH(1),
    /** {@code h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)}. */
    RNN_RELU(1),
    /**
     * {@code i = σ(·), f = σ(·), g = tanh(·), o = σ(·)} of the four column blocks of
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

    /** The bias added to {@code x·W_ihᵀ}: {@code b_ih + b_hh} (folded) or, for the GRU, {@code b_ih}; null if none. */
    Tensor inputBias(Tensor biasIh, Tensor biasHh) {
        if (biasIh == null) {
            return null;
        }
        return this == GRU ? biasIh : biasIh.add(biasHh);
    }

    /**
     * One step from the input projection.
     *
     * @param xp     {@code x·W_ihᵀ} plus {@link #inputBias}, [batch, gates·hidden] (not modified)
     * @param h      the hidden state [batch, hidden] (not modified)
     * @param c      the cell state [batch, hidden] for the LSTM, else ignored (not modified)
     * @param wHh    weight_hh [gates·hidden, hidden]
     * @param biasHh bias_hh [gates·hidden], or null; used by the GRU only (folded into xp otherwise)
     * @return the new state (c null except for the LSTM)
     */
    RecurrentState step(Tensor xp, Tensor h, Tensor c, Tensor wHh, Tensor biasHh) {
        int hidden = h.size(1);
        Tensor hp = Tensor.matmul(h, false, wHh, true);
        return switch (this) {
            case RNN_TANH -> RecurrentState.of(xp.add(hp).tanh());
            case RNN_RELU -> RecurrentState.of(xp.add(hp).relu());
            case LSTM -> {
                Tensor gates = xp.add(hp);
                Tensor i = gates.narrow(1, 0, hidden).sigmoid();
                Tensor f = gates.narrow(1, hidden, hidden).sigmoid();
                Tensor g = gates.narrow(1, 2 * hidden, hidden).tanh();
                Tensor o = gates.narrow(1, 3 * hidden, hidden).sigmoid();
                Tensor cNext = f.mul(c).add(i.mul(g));
                yield new RecurrentState(o.mul(cNext.tanh()), cNext);
            }
            case GRU -> {
                if (biasHh != null) {
                    hp = hp.add(biasHh);
                }
                Tensor r = xp.narrow(1, 0, hidden).add(hp.narrow(1, 0, hidden)).sigmoid();
                Tensor z = xp.narrow(1, hidden, hidden).add(hp.narrow(1, hidden, hidden)).sigmoid();
                Tensor n = xp.narrow(1, 2 * hidden, hidden).add(r.mul(hp.narrow(1, 2 * hidden, hidden))).tanh();
                yield RecurrentState.of(n.add(z.mul(h.sub(n)))); // (1 - z)·n + z·h
            }
        };
    }
}
