package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ad-modes demonstration: the passes each mode needs (counted, not timed) give forward mode the function with
 * one input and reverse mode the function with one output, and the three Jacobians agree.
 */
class AdModesTest {

    @Test
    void forwardModeNeedsOnePassPerInputAndReverseModeOnePerOutput() {
        AdModes.Outcome outcome = AdModes.run(new int[] {10, 200}, 10);
        List<AdModes.Cell> cells = outcome.cells();
        for (int size : new int[] {10, 200}) {
            AdModes.Cell fForward = cell(cells, "f", size, "forward");
            AdModes.Cell fReverse = cell(cells, "f", size, "reverse");
            AdModes.Cell gForward = cell(cells, "g", size, "forward");
            AdModes.Cell gReverse = cell(cells, "g", size, "reverse");
            assertEquals(size, fForward.forwardPasses(), "f: R^n -> R, forward mode: n passes");
            assertEquals(1, fReverse.forwardPasses() + fReverse.backwardPasses() - 1, "f, reverse: 1 backward pass");
            assertEquals(1, gForward.forwardPasses(), "g: R -> R^m, forward mode: 1 pass");
            assertEquals(size, gReverse.backwardPasses(), "g, reverse mode: m backward passes");
            assertEquals(2L * size, cell(cells, "f", size, "finite differences").forwardPasses());
            assertEquals(size, cell(cells, "h", size, "forward").forwardPasses(), "h: R^n -> R^100: n passes forward");
            assertEquals(AdModes.H_OUTPUTS, cell(cells, "h", size, "reverse").backwardPasses(), "and 100 backward");
            assertTrue(fForward.forwardPasses() > fReverse.forwardPasses() + fReverse.backwardPasses(),
                    "few outputs: reverse mode needs fewer passes");
            assertTrue(gForward.forwardPasses() < gReverse.forwardPasses() + gReverse.backwardPasses(),
                    "few inputs: forward mode needs fewer passes");
            for (AdModes.Cell c : List.of(fForward, fReverse, gForward, gReverse)) {
                assertEquals(c.forwardPasses() + c.backwardPasses(), c.passesRun(), "a 10 s budget runs them all");
            }
        }
        // h: the mode with fewer passes changes between n = 10 (forward: 10 < 100) and n = 200 (reverse: 100 < 200).
        assertTrue(cell(cells, "h", 10, "forward").forwardPasses() < AdModes.H_OUTPUTS);
        assertTrue(cell(cells, "h", 200, "forward").forwardPasses() > AdModes.H_OUTPUTS);
        assertTrue(outcome.largestDisagreement() < 1e-6, "Jacobians agree: " + outcome.largestDisagreement());
        String chart = AdModes.svg(cells);
        assertTrue(chart.startsWith("<svg") && chart.contains("f, forward") && chart.contains("g, reverse"), chart);
    }

    @Test
    void badSizesAreRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdModes.sizes("10,x"));
        assertTrue(e.getMessage().contains("'x' is not a whole number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AdModes.sizes("0"));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }

    private static AdModes.Cell cell(List<AdModes.Cell> cells, String fn, int size, String method) {
        return cells.stream().filter(c -> c.function().equals(fn) && c.size() == size && c.method().equals(method))
                .findFirst().orElseThrow();
    }
}
