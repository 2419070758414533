package org.tapegrad.nn;

import java.util.Objects;
import org.tapegrad.core.Tensor;

/**
 * The state a recurrent network carries from one time step to the next: the hidden state {@code h} and, for an
 * {@link Lstm} or {@link LstmCell}, the cell state {@code c} (null otherwise). Shapes: {@code [batch, hidden]} for a
 * cell; {@code [numLayers, batch, hidden]} for a multi-step layer, as PyTorch's {@code h_0}/{@code h_n} (also with
 * a batch-first input).
 *
 * <p>Truncated backpropagation through time cuts the graph between chunks of a long sequence with
 * {@link #detach()}: the values carry on, the gradient stops.
 *
 * <pre>{@code
 * RecurrentState state = null;                         // zeros at the start of the sequence
 * for (Tensor chunk : chunks) {                        // each [batch, k, features], in time order
 *     try (Tape tape = Tape.record()) {
 *         RecurrentOutput out = lstm.forward(chunk, state);
 *         tape.backward(loss(out.output()));            // backpropagates through this chunk's k steps only
 *         state = out.state().detach();                 // carried into the next chunk, without its history
 *     }
 *     optimizer.step();
 *     optimizer.zeroGrad();
 * }
 * }</pre>
 *
 * @param h the hidden state (required)
 * @param c the cell state of an LSTM, or null
 */
public record RecurrentState(Tensor h, Tensor c) {
    public RecurrentState {
        Objects.requireNonNull(h, "h");
    }

    /** A state with a hidden state only (vanilla RNN, GRU). */
    public static RecurrentState of(Tensor h) {
        return new RecurrentState(h, null);
    }

    /** The same values without history: no gradient flows back through the returned state. */
    public RecurrentState detach() {
        return new RecurrentState(h.detach(), c == null ? null : c.detach());
    }
}
