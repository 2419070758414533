package org.tapegrad.monitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiPredicate;
import org.tapegrad.monitor.Diagnostic.Kind;

/**
 * Turns the records of successive samples into {@link Diagnostic}s. Stateful: it counts, per layer, how many
 * consecutive samples a condition has held, so feed it every sampled {@link StepRecord} in order. With g_l the
 * gradient norm of layer l's parameters and L the last layer with parameters:
 * <ul>
 * <li>VANISHING: {@code g_l < max(vanishingNorm, vanishingFraction · g_L)} ({@code g_L < vanishingNorm} for L
 * itself) on {@code patience} consecutive samples;</li>
 * <li>EXPLODING: {@code g_l > explodingNorm}, or {@code g_l(t) / g_l(t − patience) > explodingGrowth};</li>
 * <li>DEAD_UNITS: dead fraction of the layer's output {@code >= deadFraction} on {@code patience} consecutive
 * samples;</li>
 * <li>NON_FINITE: a NaN or infinity in a layer's parameter gradients, output gradient or output; the layer named is
 * the first in backward order (the one nearest the loss), once per sample;</li>
 * <li>UPDATE_RATIO: {@code ‖Δθ‖/‖θ‖} outside {@code [updateRatioLow, updateRatioHigh]} on {@code patience}
 * consecutive samples.</li>
 * </ul>
 * A persistent condition keeps firing on every sample while it holds; {@link GradientMonitor} turns the conditions
 * of consecutive samples into {@link Finding}s (new, holds, cleared) and {@link Verdict}s.
 */
public final class Rules {
    private final Thresholds t;
    /** Per layer name; one lookup per layer and sample (no keys built, nothing boxed). */
    private final Map<String, History> histories = new HashMap<>();

    /** What the rules remember of one layer. */
    private static final class History {
        /** Consecutive samples on which each persistent condition held, by {@link Kind#ordinal()}. */
        final int[] streaks = new int[Kind.values().length];
        /** The last patience + 1 gradient norms, a ring whose oldest entry is at {@code next} once it is full. */
        final double[] norms;
        int count;
        int next;

        History(int patience) {
            norms = new double[patience + 1];
        }

        void addNorm(double g) {
            norms[next] = g;
            next = (next + 1) % norms.length;
            count = Math.min(count + 1, norms.length);
        }

        /** The norm patience samples back, once patience + 1 norms were seen. */
        boolean full() {
            return count == norms.length;
        }

        double oldestNorm() {
            return norms[count < norms.length ? 0 : next];
        }
    }

    /** Rules with the given thresholds and no history. */
    public Rules(Thresholds thresholds) {
        this.t = Objects.requireNonNull(thresholds, "thresholds");
    }

    /** The thresholds. */
    public Thresholds thresholds() {
        return t;
    }

    /**
     * Adds one sample to the history and returns the diagnostics that hold on it.
     *
     * @param r the next sampled record (not modified)
     * @return the conditions that hold at this sample, in layer order (NON_FINITE first)
     */
    public List<Diagnostic> apply(StepRecord r) {
        return apply(r, (kind, layer) -> true);
    }

    /**
     * {@link #apply(StepRecord)}, building only the diagnostics for which {@code wanted} holds (the history is kept
     * alike). {@code wanted} is called exactly once for every (kind, layer) condition that holds at this sample, in
     * the order of the result, and for no other: so a caller learns every condition that holds, and builds the
     * messages only of those that are new to it (a message formats several numbers and costs microseconds, on every
     * sample while a condition persists).
     */
    List<Diagnostic> apply(StepRecord r, BiPredicate<Kind, String> wanted) {
        List<Diagnostic> out = new ArrayList<>();
        nonFinite(r, wanted, out);
        LayerStats last = null;
        for (LayerStats l : r.layers()) {
            if (l.grad() != null) {
                last = l;
            }
        }
        for (LayerStats l : r.layers()) {
            History h = histories.computeIfAbsent(l.name(), k -> new History(t.patience()));
            double g = l.gradNorm();
            if (Double.isFinite(g)) {
                double limit = l == last ? t.vanishingNorm() : Math.max(t.vanishingNorm(), t.vanishingFraction()
                        * last.gradNorm());
                if (streak(h, Kind.VANISHING, g < limit) && wanted.test(Kind.VANISHING, l.name())) {
                    out.add(diagnostic(Kind.VANISHING, l, r.step(), g, limit, String.format(Locale.ROOT,
                            "gradient norm %.3g is below %.3g (max of %.3g and %.3g × the last layer's %.3g) on %d "
                            + "consecutive samples", g, limit, t.vanishingNorm(), t.vanishingFraction(),
                            last.gradNorm(), t.patience())));
                }
                exploding(r.step(), l, h, g, wanted, out);
            }
            if (l.activation() != null) {
                double dead = l.activation().deadFraction();
                if (streak(h, Kind.DEAD_UNITS, dead >= t.deadFraction()) && wanted.test(Kind.DEAD_UNITS, l.name())) {
                    out.add(diagnostic(Kind.DEAD_UNITS, l, r.step(), dead, t.deadFraction(), String.format(Locale.ROOT,
                            "%.1f%% of the units output 0 for the whole batch (threshold %.1f%%) on %d consecutive "
                            + "samples", 100 * dead, 100 * t.deadFraction(), t.patience())));
                }
            }
            double u = l.updateRatio();
            if (!Double.isNaN(u)) {
                boolean outside = u < t.updateRatioLow() || u > t.updateRatioHigh();
                if (streak(h, Kind.UPDATE_RATIO, outside) && wanted.test(Kind.UPDATE_RATIO, l.name())) {
                    double bound = u < t.updateRatioLow() ? t.updateRatioLow() : t.updateRatioHigh();
                    out.add(diagnostic(Kind.UPDATE_RATIO, l, r.step(), u, bound, String.format(Locale.ROOT,
                            "update-to-parameter ratio %.3g is outside the band [%.3g, %.3g] (healthy: about 1e-3) on "
                            + "%d consecutive samples", u, t.updateRatioLow(), t.updateRatioHigh(), t.patience())));
                }
            }
        }
        return out;
    }

    /** Keeps l's norm history; adds to {@code out} the diagnostic that holds, if {@code wanted}. */
    private void exploding(long step, LayerStats l, History h, double g, BiPredicate<Kind, String> wanted,
            List<Diagnostic> out) {
        h.addNorm(g);
        double oldest = h.full() ? h.oldestNorm() : Double.NaN; // NaN: fewer than patience + 1 samples so far
        boolean above = g > t.explodingNorm();
        boolean grew = g > t.explodingGrowth() * oldest;
        if (!(above || grew) || !wanted.test(Kind.EXPLODING, l.name())) {
            return;
        }
        if (above) {
            out.add(diagnostic(Kind.EXPLODING, l, step, g, t.explodingNorm(), String.format(Locale.ROOT,
                    "gradient norm %.3g is above %.3g", g, t.explodingNorm())));
        } else {
            double growth = g / oldest;
            out.add(diagnostic(Kind.EXPLODING, l, step, growth, t.explodingGrowth(), String.format(Locale.ROOT,
                    "gradient norm grew %.3g-fold (from %.3g to %.3g) over %d samples, more than %.3g-fold", growth,
                    oldest, g, t.patience(), t.explodingGrowth())));
        }
    }

    private void nonFinite(StepRecord r, BiPredicate<Kind, String> wanted, List<Diagnostic> out) {
        LayerStats first = null;
        long total = 0;
        List<LayerStats> layers = r.layers();
        for (int i = layers.size() - 1; i >= 0; i--) { // reverse network order breaks ties among layers not reached
            LayerStats l = layers.get(i);
            if (l.nonFinite() > 0) {
                total += l.nonFinite();
                if (first == null || rank(l, layers) < rank(first, layers)) {
                    first = l;
                }
            }
        }
        if (first == null) {
            if (!Double.isFinite(r.loss()) && wanted.test(Kind.NON_FINITE, "loss")) {
                out.add(new Diagnostic(Kind.NON_FINITE, "loss", r.step(), r.loss(), 0, "the loss is " + r.loss()
                        + " while every layer's values and gradients are finite"));
            }
            return;
        }
        if (!wanted.test(Kind.NON_FINITE, first.name())) {
            return;
        }
        String forward = "";
        for (LayerStats l : layers) {
            if (l.activation() != null && l.activation().nonFinite() > 0) {
                forward = "; in the forward pass, the output of layer " + l.name() + " was the first non-finite one";
                break;
            }
        }
        out.add(diagnostic(Kind.NON_FINITE, first, r.step(), first.nonFinite(), 0, first.nonFinite()
                + " NaN/Inf values in this layer's gradients or output, the first layer in backward order with any ("
                + total + " in all layers)" + forward));
    }

    /** Position in backward order: layers whose output gradient was computed first, then the rest last to first. */
    private static int rank(LayerStats l, List<LayerStats> layers) {
        return l.backwardOrder() >= 0 ? l.backwardOrder() : layers.size() + (layers.size() - layers.indexOf(l));
    }

    private boolean streak(History h, Kind kind, boolean holds) {
        int n = holds ? h.streaks[kind.ordinal()] + 1 : 0;
        h.streaks[kind.ordinal()] = n;
        return n >= t.patience();
    }

    private static Diagnostic diagnostic(Kind kind, LayerStats l, long step, double value, double threshold,
            String message) {
        return new Diagnostic(kind, l.name(), step, value, threshold, message);
    }
}
