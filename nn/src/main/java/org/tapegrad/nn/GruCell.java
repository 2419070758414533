package org.tapegrad.nn;

import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * The gated recurrent unit cell, PyTorch's {@code nn.GRUCell}, gates in PyTorch's order r, z, n:
 * <pre>
 * r  = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr)
 * z  = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
 * n  = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn))
 * h' = (1 - z) ⊙ n + z ⊙ h
 * </pre>
 * with weight_ih = [W_ir; W_iz; W_in] [3·hidden, input], weight_hh = [W_hr; W_hz; W_hn] [3·hidden, hidden],
 * bias_ih, bias_hh [3·hidden], all from U(-1/√hidden, 1/√hidden).
 */
public final class GruCell extends RecurrentCell {
    /** A cell with biases, initialised from {@code rng}. */
    public GruCell(int inputSize, int hiddenSize, RandomGenerator rng) {
        this(inputSize, hiddenSize, true, rng, DType.FLOAT32);
    }

    /**
     * A cell initialised from {@code rng} in the order weight_ih, weight_hh, bias_ih, bias_hh.
     *
     * @param bias  whether the cell has bias_ih and bias_hh
     * @param dtype of the parameters (float64 for gradient checks)
     */
    public GruCell(int inputSize, int hiddenSize, boolean bias, RandomGenerator rng, DType dtype) {
        super(CellKind.GRU, inputSize, hiddenSize, bias, rng, dtype);
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
