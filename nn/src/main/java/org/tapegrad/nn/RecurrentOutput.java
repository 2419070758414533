package org.tapegrad.nn;

import java.util.Objects;
import org.tapegrad.core.Tensor;

/**
 * What a multi-step recurrent layer returns, like PyTorch's {@code (output, h_n)} or {@code (output, (h_n, c_n))}.
 *
 * @param output the last layer's hidden state at every step, {@code [batch, time, hidden]}
 * @param state  every layer's state after the last step, {@code h} (and {@code c}) {@code [numLayers, batch,
 *               hidden]}; pass it (or its {@link RecurrentState#detach()}) as the initial state of the next chunk
 */
public record RecurrentOutput(Tensor output, RecurrentState state) {
    public RecurrentOutput {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(state, "state");
    }
}
