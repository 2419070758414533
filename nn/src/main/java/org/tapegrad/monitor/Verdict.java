package org.tapegrad.monitor;

import java.util.Locale;
import java.util.Objects;
import org.tapegrad.monitor.Diagnostic.Kind;

/**
 * One (kind, layer) condition over the whole run, as {@link GradientMonitor#verdicts()} returns it: when the rules
 * first found it, when it last held, and whether it has cleared since. Steps are sampled steps, so "cleared at step
 * s" means the condition held at the sample before s and not at s.
 *
 * @param first        the diagnostic of its first occurrence (figures and message)
 * @param lastHeldStep the last sampled step at which it held
 * @param clearedStep  the sample at which it stopped holding after {@code lastHeldStep}, or -1 while it holds
 * @param occurrences  how many times it started to hold: 1, plus one for each return after clearing
 */
public record Verdict(Diagnostic first, long lastHeldStep, long clearedStep, int occurrences) {
    public Verdict {
        Objects.requireNonNull(first, "first");
        if (lastHeldStep < first.step()) {
            throw new IllegalArgumentException("Verdict: lastHeldStep " + lastHeldStep + " is before the first "
                    + "occurrence at step " + first.step());
        }
        if (clearedStep != -1 && clearedStep <= lastHeldStep) {
            throw new IllegalArgumentException("Verdict: clearedStep must be -1 (still holds) or after lastHeldStep "
                    + lastHeldStep + ", got " + clearedStep);
        }
        if (occurrences < 1) {
            throw new IllegalArgumentException("Verdict: occurrences must be at least 1, got " + occurrences);
        }
    }

    /** The condition. */
    public Kind kind() {
        return first.kind();
    }

    /** The layer's dotted name. */
    public String layer() {
        return first.layer();
    }

    /** True when the condition held at some sample and no longer held at a later one (and has not come back). */
    public boolean cleared() {
        return clearedStep >= 0;
    }

    /**
     * For people: {@code "holds at step 40"} (the last sample seen) or {@code "cleared at step 120"}, followed by
     * {@code " (3 occurrences)"} when it came back after clearing.
     */
    public String state() {
        String times = occurrences > 1 ? String.format(Locale.ROOT, " (%d occurrences)", occurrences) : "";
        return (cleared() ? "cleared at step " + clearedStep : "holds at step " + lastHeldStep) + times;
    }
}
