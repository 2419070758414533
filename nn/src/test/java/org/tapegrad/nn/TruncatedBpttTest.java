package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Truncated backpropagation through time: carrying {@link RecurrentState#detach()} between chunks gives exactly
 * the gradient of the truncated graph (the chunk alone, started from the carried values as constants), while the
 * values equal those of the whole sequence.
 */
class TruncatedBpttTest {
    private static final DType F64 = DType.FLOAT64;
    private static final int BATCH = 3;
    private static final int TIME = 6;
    private static final int CHUNK = 3;
    private static final int IN = 2;
    private static final int HIDDEN = 4;

    @Test
    void theGradientWithTheDetachedStateIsTheGradientOfTheTruncatedGraph() {
        for (RecurrentLayer m : List.of(new Lstm(IN, HIDDEN, 2, true, new Random(1), F64),
                new Gru(IN, HIDDEN, 2, true, new Random(2), F64),
                new Rnn(IN, HIDDEN, 2, "tanh", true, new Random(3), F64))) {
            check(m);
        }
    }

    private static void check(RecurrentLayer m) {
        Random rng = new Random(4);
        Tensor x = Tensor.randn(F64, rng, BATCH, TIME, IN);
        Tensor weights = Tensor.randn(F64, rng, BATCH, TIME - CHUNK, HIDDEN); // loss = Σ output ⊙ weights
        Tensor firstChunk = x.narrow(1, 0, CHUNK).requiresGrad(true);
        Tensor secondChunk = x.narrow(1, CHUNK, TIME - CHUNK);

        // Chunked, detached: the second chunk's loss, backpropagated through one recording of both chunks.
        double[][] detached;
        Tensor chunkedOutput;
        try (Tape tape = Tape.record()) {
            RecurrentState carried = m.forward(firstChunk, null).state().detach();
            chunkedOutput = m.forward(secondChunk, carried).output();
            tape.backward(chunkedOutput.mul(weights).sum());
        }
        detached = grads(m);
        assertNull(firstChunk.grad(), m + ": no gradient crosses the detached state into the first chunk");

        // The truncated graph: the second chunk alone, from the first chunk's final state as fresh constants.
        RecurrentState values;
        try (Scope s = Tape.noGrad()) {
            values = m.forward(firstChunk, null).state();
        }
        RecurrentState constants = new RecurrentState(Tensor.of(values.h().dtype(), values.h().toDoubleArray(),
                values.h().shape()), values.c() == null ? null
                        : Tensor.of(values.c().dtype(), values.c().toDoubleArray(), values.c().shape()));
        try (Tape tape = Tape.record()) {
            tape.backward(m.forward(secondChunk, constants).output().mul(weights).sum());
        }
        double[][] truncated = grads(m);
        for (int i = 0; i < detached.length; i++) {
            assertArrayEquals(truncated[i], detached[i], 0, m + ": parameter " + i);
        }

        // Not detached: full backpropagation through both chunks gives a different gradient, and reaches chunk 1.
        try (Tape tape = Tape.record()) {
            RecurrentState carried = m.forward(firstChunk, null).state();
            tape.backward(m.forward(secondChunk, carried).output().mul(weights).sum());
        }
        double[][] full = grads(m);
        assertNotNull(firstChunk.grad());
        double difference = 0;
        for (int i = 0; i < full.length; i++) {
            for (int k = 0; k < full[i].length; k++) {
                difference += Math.abs(full[i][k] - detached[i][k]);
            }
        }
        assertTrue(difference > 1e-3, m + ": truncation changes the gradient (sum |difference| " + difference + ")");

        // The values do not depend on where the sequence was cut.
        Tensor whole = m.forward(x, null).output().narrow(1, CHUNK, TIME - CHUNK);
        assertArrayEquals(whole.toDoubleArray(), chunkedOutput.toDoubleArray(), 1e-12);
    }

    /** The parameters' gradients, then cleared. */
    private static double[][] grads(Layer m) {
        List<Tensor> ps = m.parameters();
        double[][] out = new double[ps.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ps.get(i).grad().toDoubleArray();
            ps.get(i).zeroGrad();
        }
        return out;
    }
}
