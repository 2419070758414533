package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused recurrent sequence op: its backward against central finite differences in float64 for every cell,
 * with and without biases, over every input; a retained graph run twice; and the refusals. (The agreement with the same equations composed from core ops is in nn's
 * FusedRecurrenceTest, where the composed cells live.)
 */
class RecurrenceTest {
    private static final DType F64 = DType.FLOAT64;

    /** The inputs of one call: x [2, 4, 3], h0 (and c0) [2, 5], weights and biases for hidden 5. */
    private static List<Tensor> inputs(Recurrence.Cell cell, boolean bias, DType dtype, long seed) {
        Random rng = new Random(seed);
        int g = cell.gates * 5;
        List<Tensor> in = new ArrayList<>();
        in.add(Tensor.randn(dtype, rng, 2, 4, 3));
        in.add(Tensor.randn(dtype, rng, 2, 5).mul(0.5));
        in.add(cell == Recurrence.Cell.LSTM ? Tensor.randn(dtype, rng, 2, 5) : null);
        in.add(Tensor.randn(dtype, rng, g, 3).mul(0.5));
        in.add(Tensor.randn(dtype, rng, g, 5).mul(0.5));
        in.add(bias ? Tensor.randn(dtype, rng, g).mul(0.3) : null);
        in.add(bias ? Tensor.randn(dtype, rng, g).mul(0.3) : null);
        return in;
    }

    /** Every output (the sequence, h_n and, for an LSTM, c_n) of the op on the non-null inputs. */
    private static Tensor all(Recurrence.Cell cell, List<Tensor> template, Tensor[] given) {
        Tensor[] v = new Tensor[7];
        for (int i = 0, k = 0; i < 7; i++) {
            v[i] = template.get(i) == null ? null : given[k++];
        }
        Recurrence.Result r = Recurrence.run(cell, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        List<Tensor> parts = new ArrayList<>(List.of(r.output().flatten(), r.h().flatten()));
        if (r.c() != null) {
            parts.add(r.c().mul(1.5).flatten()); // a weight, so that c_n's gradient differs from the sequence's
        }
        return Tensor.concat(parts, 0);
    }

    @Test
    void backwardAgreesWithFiniteDifferencesForEveryCellAndInput() {
        int checked = 0;
        for (Recurrence.Cell cell : Recurrence.Cell.values()) {
            for (boolean bias : new boolean[] {true, false}) {
                List<Tensor> template = inputs(cell, bias, F64, 7 + cell.ordinal());
                Tensor[] given = template.stream().filter(t -> t != null).toArray(Tensor[]::new);
                GradCheck.Report r = GradCheck.check(v -> all(cell, template, v), given);
                assertTrue(r.entries() > 500, cell + " checked " + r.entries() + " entries");
                checked++;
            }
        }
        assertEquals(8, checked);
    }

    @Test
    void noInitialStateIsAZeroState() {
        for (Recurrence.Cell cell : Recurrence.Cell.values()) {
            List<Tensor> in = inputs(cell, true, F64, 4);
            Tensor zeros = Tensor.zeros(F64, 2, 5);
            Recurrence.Result given = Recurrence.run(cell, in.get(0), zeros, cell == Recurrence.Cell.LSTM ? zeros : null,
                    in.get(3), in.get(4), in.get(5), in.get(6));
            Recurrence.Result none = Recurrence.run(cell, in.get(0), null, null, in.get(3), in.get(4), in.get(5),
                    in.get(6));
            assertArrayEquals(given.output().toDoubleArray(), none.output().toDoubleArray(), 0, cell.toString());
        }
    }

    @Test
    void aRetainedGraphGivesTheSameGradientsOnASecondBackward() {
        for (Recurrence.Cell cell : Recurrence.Cell.values()) {
            List<Tensor> in = inputs(cell, true, F64, 3);
            Tensor w = in.get(4).requiresGrad(true);
            Tensor x = in.get(0).requiresGrad(true);
            try (Tape tape = Tape.record()) {
                Recurrence.Result r = Recurrence.run(cell, x, in.get(1), in.get(2), in.get(3), w, in.get(5), in.get(6));
                Tensor loss = r.output().mul(r.output()).sum().add(r.h().sum());
                Tensor[] first = Autograd.grad(loss, null, List.of(x, w), true, false);
                Tensor[] second = Autograd.grad(loss, null, List.of(x, w), true, false);
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(first[i].toDoubleArray(), second[i].toDoubleArray(), 0,
                            cell + ": gradient " + i + " changed on the second backward");
                }
            }
        }
    }

    @Test
    void gradientsOfGradientsAndForwardModeAreRefusedWithTheFix() {
        List<Tensor> in = inputs(Recurrence.Cell.LSTM, true, F64, 1);
        Tensor x = in.get(0).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor y = Recurrence.run(Recurrence.Cell.LSTM, x, in.get(1), in.get(2), in.get(3), in.get(4), in.get(5),
                    in.get(6)).output().sum();
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Autograd.gradWithGraph(y, x));
            assertTrue(e.getMessage().contains("gradients of gradients") && e.getMessage().contains("fused(false)"),
                    e.getMessage());
        }
        try (ForwardAD.Level level = ForwardAD.dualLevel()) {
            Tensor dual = ForwardAD.makeDual(in.get(0), Tensor.ones(F64, in.get(0).shape()));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Recurrence.run(
                    Recurrence.Cell.LSTM, dual, in.get(1), in.get(2), in.get(3), in.get(4), in.get(5), in.get(6)));
            assertTrue(e.getMessage().contains("no forward-mode rule"), e.getMessage());
        }
    }

    @Test
    void badArgumentsAreRefusedNamingWhatWasExpected() {
        List<Tensor> in = inputs(Recurrence.Cell.LSTM, true, F64, 1);
        Tensor x = in.get(0);
        Tensor h0 = in.get(1);
        Tensor c0 = in.get(2);
        Tensor wi = in.get(3);
        Tensor wh = in.get(4);
        Tensor b = in.get(5);
        assertMessage("expected a non-empty input [batch, time, in], got [2, 3]",
                () -> Recurrence.run(Recurrence.Cell.LSTM, Tensor.zeros(F64, 2, 3), h0, c0, wi, wh, b, b));
        assertMessage("expected a non-empty input [batch, time, in], got [2, 4, 0]",
                () -> Recurrence.run(Recurrence.Cell.LSTM, Tensor.zeros(F64, 2, 4, 0), h0, c0, Tensor.zeros(F64, 20, 0),
                        wh, b, b));
        assertMessage("the hidden size (weightHh's columns) must be positive", () -> Recurrence.run(
                Recurrence.Cell.RNN_TANH, x, null, null, Tensor.zeros(F64, 0, 3), Tensor.zeros(F64, 0, 0), null, null));
        assertMessage("give the LSTM both initial states h0 and c0 [2, 5], or neither (zeros)",
                () -> Recurrence.run(Recurrence.Cell.LSTM, x, h0, null, wi, wh, b, b));
        assertMessage("expected h0 [2, 5], got [3, 5]",
                () -> Recurrence.run(Recurrence.Cell.LSTM, x, Tensor.zeros(F64, 3, 5), c0, wi, wh, b, b));
        assertMessage("expected weightHh [4·hidden, hidden], got [15, 5]",
                () -> Recurrence.run(Recurrence.Cell.LSTM, x, h0, c0, wi, Tensor.zeros(F64, 15, 5), b, b));
        assertMessage("expected weightIh [20, 3], got [20, 4]",
                () -> Recurrence.run(Recurrence.Cell.LSTM, x, h0, c0, Tensor.zeros(F64, 20, 4), wh, b, b));
        assertMessage("give both biases or neither", () -> Recurrence.run(Recurrence.Cell.LSTM, x, h0, c0, wi, wh, b, null));
        assertMessage("only an LSTM has a cell state",
                () -> Recurrence.run(Recurrence.Cell.GRU, x, h0, c0, Tensor.zeros(F64, 15, 3), Tensor.zeros(F64, 15, 5),
                        null, null));
        assertMessage("not defined for int32 input; convert it with .to(DType.FLOAT32) first",
                () -> Recurrence.run(Recurrence.Cell.LSTM, x.to(DType.INT32), null, null, wi.to(DType.INT32),
                        wh.to(DType.INT32), null, null));
        assertMessage("the input is float32 but an argument is float64",
                () -> Recurrence.run(Recurrence.Cell.LSTM, x.to(DType.FLOAT32), h0, c0, wi, wh, b, b));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }
}
