package org.tapegrad.monitor;

import java.util.Objects;
import org.tapegrad.monitor.Diagnostic.Kind;

/**
 * What the rules concluded about one (kind, layer) at one sampled step: the condition started to hold, still holds,
 * or has cleared. A {@link StepRecord} lists the findings of its sample, so the reports carry the verdicts as data,
 * step by step, with or without a logging backend.
 *
 * @param kind       the condition
 * @param layer      the layer's dotted name ({@code "loss"} for a non-finite loss with finite values everywhere)
 * @param status     {@link Status#NEW}, {@link Status#HOLDS} or {@link Status#CLEARED}
 * @param diagnostic the figures and message of a {@code NEW} finding; null for the other two
 */
public record Finding(Kind kind, String layer, Status status, Diagnostic diagnostic) {

    /** How a condition stands at a sample. */
    public enum Status {
        /** It holds at this sample and did not at the previous one (first occurrence, or back after clearing). */
        NEW,
        /** It held at the previous sample and still does. */
        HOLDS,
        /** It held at the previous sample and no longer does. */
        CLEARED
    }

    public Finding {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(status, "status");
        if ((status == Status.NEW) != (diagnostic != null)) {
            throw new IllegalArgumentException("Finding: a " + status + " finding " + (status == Status.NEW
                    ? "needs its diagnostic, got null" : "has no diagnostic, got " + diagnostic));
        }
    }
}
