package org.tapegrad.core.internal.kernel;

import org.ejml.data.Matrix;

/**
 * The element-wise passes of the fused recurrent cells ({@link org.tapegrad.core.Recurrence}): the gate nonlinearities and state
 * update of one time step in one pass forward, and their derivatives in one pass backward. Every matrix is a
 * contiguous row-major [batch, k·hidden] matrix of the kernel's dtype; outputs are "Modified", the rest "Not
 * modified" unless said. Gates are stacked in PyTorch's order: LSTM i, f, g, o; GRU r, z, n.
 *
 * <p>{@link Float64CellKernels} is written by hand; {@code Float32CellKernels} is generated from it at build time
 * with float arithmetic throughout (see {@code Activations} for the float32 tanh and sigmoid).
 */
public interface CellKernels {

    /**
     * LSTM step: {@code gates} holds the pre-activations {@code x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh} [batch, 4·hidden]
     * and is overwritten with {@code i = σ, f = σ, g = tanh, o = σ} of its four blocks; {@code c = f⊙cPrev + i⊙g},
     * {@code tanhC = tanh(c)}, {@code h = o⊙tanhC}.
     */
    void lstm(Matrix gates, Matrix cPrev, Matrix c, Matrix tanhC, Matrix h);

    /**
     * The LSTM step backward, given the activated {@code gates}, {@code cPrev}, {@code tanhC} and {@code dh} = dL/dh;
     * {@code dc} holds dL/dc on entry (from later steps) and dL/dcPrev on return; {@code dGates} gets
     * dL/d(pre-activations).
     */
    void lstmBackward(Matrix gates, Matrix cPrev, Matrix tanhC, Matrix dh, Matrix dc, Matrix dGates);

    /**
     * GRU step: {@code xGates} holds {@code x·W_ihᵀ + b_ih} [batch, 3·hidden] and is overwritten with
     * {@code r = σ(x_r + h_r)}, {@code z = σ(x_z + h_z)}, {@code n = tanh(x_n + r⊙h_n)}, where {@code hGates} =
     * {@code hPrev·W_hhᵀ + b_hh}; {@code h = n + z⊙(hPrev - n)}.
     */
    void gru(Matrix xGates, Matrix hGates, Matrix hPrev, Matrix h);

    /**
     * The GRU step backward, given the activated {@code gates} (r, z, n), {@code hGates}, {@code hPrev} and
     * {@code dh}: {@code dxGates} gets dL/d(x·W_ihᵀ + b_ih), {@code dhGates} dL/d(hPrev·W_hhᵀ
     * + b_hh), and {@code dhPrev} the part of dL/dhPrev that does not go through {@code W_hh} ({@code z⊙dh}).
     */
    void gruBackward(Matrix gates, Matrix hGates, Matrix hPrev, Matrix dh, Matrix dxGates, Matrix dhGates,
            Matrix dhPrev);

    /** RNN step: {@code pre} [batch, hidden] is overwritten with tanh(pre), or relu(pre) when {@code relu}. */
    void rnn(Matrix pre, boolean relu);

    /** The RNN step backward: {@code dPre = dh⊙(1 - h²)}, or {@code dh⊙[h > 0]} when {@code relu}. */
    void rnnBackward(Matrix h, Matrix dh, Matrix dPre, boolean relu);
}
