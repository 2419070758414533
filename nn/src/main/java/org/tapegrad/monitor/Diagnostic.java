package org.tapegrad.monitor;

import java.util.Locale;

/**
 * A conclusion drawn by {@link Rules} from the monitor's figures: which problem, where, when, and the numbers that
 * triggered it, so that a program can act on it and a test can assert it.
 *
 * @param kind      the problem
 * @param layer     the layer's dotted name (a parameter's name for nothing; rules work per layer)
 * @param step      the step at which the rule fired
 * @param value     the figure that crossed the threshold
 * @param threshold the threshold it crossed
 * @param message   one sentence for people
 */
public record Diagnostic(Kind kind, String layer, long step, double value, double threshold, String message) {

    /** The problems the rules recognise. */
    public enum Kind {
        /** A layer's gradient norm stayed below an absolute threshold or a fraction of the last layer's. */
        VANISHING,
        /** A layer's gradient norm rose above a threshold or grew by a large factor within a few samples. */
        EXPLODING,
        /** A large fraction of a layer's units output exactly 0 for a whole batch (dead ReLUs). */
        DEAD_UNITS,
        /** NaN or infinite values; the layer is the first in backward order where they appeared. */
        NON_FINITE,
        /** The optimizer's update is far outside the healthy band relative to the parameters. */
        UPDATE_RATIO
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s at step %d, layer %s: %s", kind, step, layer, message);
    }
}
