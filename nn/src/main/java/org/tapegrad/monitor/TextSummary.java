package org.tapegrad.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A one-screen text summary for the end of training: a table by layer of the last sample's figures, then the
 * diagnostics. Columns: gradient norm {@code ‖g‖} of the layer's parameters and its ratio to the last layer's,
 * mean and max {@code |g|}, update ratio {@code ‖Δθ‖/‖θ‖}, output mean and standard deviation, dead units, the norm
 * of the gradient reaching the output {@code ‖∂L/∂out‖}, and the kinds of diagnostics found for the layer (marked
 * {@code (cleared)} when the condition no longer holds). Then each verdict: its first occurrence and whether it
 * still holds or cleared, at which step.
 */
public final class TextSummary {
    private TextSummary() {
    }

    /** The summary of {@code monitor}'s records and diagnostics. */
    public static String of(GradientMonitor monitor) {
        List<StepRecord> records = monitor.records();
        StringBuilder sb = new StringBuilder();
        if (records.isEmpty()) {
            return "Gradient monitor: no sampled step recorded yet\n";
        }
        StepRecord last = records.get(records.size() - 1);
        sb.append(String.format(Locale.ROOT, "Gradient monitor: %d steps, %d samples (every %d); last sample at step "
                + "%d: loss %.4g, global gradient norm %.3g%n", monitor.step(), records.size(), monitor.every(),
                last.step(), last.loss(), last.globalGradNorm()));
        double lastNorm = lastLayerNorm(last);
        Map<String, String> flags = new LinkedHashMap<>();
        List<Verdict> verdicts = monitor.verdicts();
        for (Verdict v : verdicts) {
            flags.merge(v.layer(), v.kind().name() + (v.cleared() ? "(cleared)" : ""), (a, b) -> a + "," + b);
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"layer", "type", "‖g‖", "‖g‖/‖g_L‖", "mean|g|", "max|g|", "‖Δθ‖/‖θ‖", "out mean",
            "out std", "dead", "‖∂L/∂out‖", "diagnostics"});
        for (LayerStats l : last.layers()) {
            GradientStats g = l.grad();
            ActivationStats a = l.activation();
            rows.add(new String[] {l.name(), l.type(), g == null ? "" : e(g.norm()),
                g == null ? "" : e(g.norm() / lastNorm), g == null ? "" : e(g.meanAbs()), g == null ? "" : e(g.maxAbs()),
                g == null ? "" : e(l.updateRatio()), a == null ? "" : f(a.mean()), a == null ? "" : f(a.std()),
                a == null ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * a.deadFraction()),
                Double.isNaN(l.outputGradNorm()) ? "" : e(l.outputGradNorm()), flags.getOrDefault(l.name(), "")});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                String cell = i < 2 || i == r.length - 1 ? pad(r[i], widths[i], false) : pad(r[i], widths[i], true);
                line.append(cell).append(i + 1 < r.length ? "  " : "");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        timeSteps(sb, monitor.timeSteps());
        if (verdicts.isEmpty()) {
            sb.append("No diagnostics.\n");
        } else {
            long cleared = verdicts.stream().filter(Verdict::cleared).count();
            sb.append(verdicts.size()).append(" diagnostics (").append(verdicts.size() - cleared)
                    .append(" holding, ").append(cleared).append(" cleared): ")
                    .append(String.valueOf(verdicts.stream().collect(Collectors.groupingBy(v -> v.kind().name(),
                            LinkedHashMap::new, Collectors.counting()))))
                    .append('\n');
            for (Verdict v : verdicts) {
                sb.append("  ").append(v.first()).append(" [").append(v.state()).append("]\n");
            }
        }
        return sb.toString();
    }

    /**
     * For each recurrent layer, the hidden-state gradient at the first and last time step of its first and last
     * sample and their ratio: how much of the signal reaches back to the start of the sequence.
     */
    private static void timeSteps(StringBuilder sb, TimeStepGradients timeSteps) {
        for (String name : timeSteps.layerNames()) {
            List<TimeStepGradients.Sample> samples = timeSteps.samples(name);
            if (samples.isEmpty()) {
                continue;
            }
            TimeStepGradients.Sample first = samples.get(0);
            TimeStepGradients.Sample last = samples.get(samples.size() - 1);
            double[] g = last.gradNorms();
            sb.append(String.format(Locale.ROOT, "Hidden-state gradient of %s over %d time steps: ‖∂L/∂h_0‖/‖∂L/∂h_%d‖ "
                    + "= %.3g at step %d, %.3g at step %d (‖∂L/∂h_0‖ %.2e, ‖∂L/∂h_%d‖ %.2e)%n", name, g.length,
                    g.length - 1, first.firstToLastRatio(), first.step(), last.firstToLastRatio(), last.step(), g[0],
                    g.length - 1, g[g.length - 1]));
        }
    }

    /** Gradient norm of the last layer with parameters of {@code r}, NaN when none has a gradient. */
    static double lastLayerNorm(StepRecord r) {
        double norm = Double.NaN;
        for (LayerStats l : r.layers()) {
            if (l.grad() != null) {
                norm = l.gradNorm();
            }
        }
        return norm;
    }

    /** Gradient norm of the first layer with parameters of {@code r} divided by the last one's. */
    public static double firstToLastRatio(StepRecord r) {
        for (LayerStats l : r.layers()) {
            if (l.grad() != null) {
                return l.gradNorm() / lastLayerNorm(r);
            }
        }
        return Double.NaN;
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(width - s.length());
        return right ? fill + s : s + fill;
    }

    private static String e(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
