package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tensor;

/** The automaton demonstration, shortened: the rule read back from the trained network is the true one. */
class AutomatonTest {

    @Test
    void lifeIsRecoveredFromItsFrames() {
        Automaton.Outcome o = Automaton.run(Automaton.Rule.parse("B3/S23"), 300, 1, false);
        assertEquals("B3/S23", o.recovered().toString());
        assertTrue(o.exact(), o.toString());
    }

    @Test
    void anotherRuleIsRecoveredToo() {
        Automaton.Outcome o = Automaton.run(Automaton.Rule.parse("B36/S23"), 300, 2, false);
        assertEquals("B36/S23", o.recovered().toString(), "HighLife");
    }

    @Test
    void framesFollowTheRuleWithDeadCellsBeyondTheEdge() {
        Tensor[] pair = Automaton.frames(Automaton.Rule.parse("B3/S23"), new Random(3), 1);
        float[] x = pair[0].toFloatArray();
        float[] y = pair[1].toFloatArray();
        int s = Automaton.SIZE;
        for (int r = 0; r < s; r++) {
            for (int c = 0; c < s; c++) {
                int n = 0;
                for (int dr = -1; dr <= 1; dr++) {
                    for (int dc = -1; dc <= 1; dc++) {
                        boolean inside = r + dr >= 0 && r + dr < s && c + dc >= 0 && c + dc < s;
                        if ((dr != 0 || dc != 0) && inside && x[(r + dr) * s + c + dc] == 1) {
                            n++;
                        }
                    }
                }
                boolean alive = x[r * s + c] == 1;
                assertEquals(n == 3 || alive && n == 2, y[r * s + c] == 1, "cell " + r + "," + c);
            }
        }
    }

    @Test
    void anUntrainedNetworkDoesNotReadAsTheRule() {
        Automaton.Outcome o = Automaton.run(Automaton.Rule.parse("B3/S23"), 1, 1, false);
        assertFalse(o.exact(), o.toString());
    }

    @Test
    void aMalformedRuleIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Automaton.Rule.parse("B9/S23"));
        assertTrue(e.getMessage().contains("B3/S23"), e.getMessage());
    }
}
