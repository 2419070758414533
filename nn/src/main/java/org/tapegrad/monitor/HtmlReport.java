package org.tapegrad.monitor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.tapegrad.core.io.AtomicFile;

/**
 * A self-contained HTML report of a monitor (no script, stylesheet link, font or network access; it opens from the
 * file alone), written as XHTML-compatible markup so that an XML parser reads it too. Charts, as inline SVG:
 * <ol>
 * <li>{@code grad-norm}: gradient norm of each layer's parameters over the steps, log scale;</li>
 * <li>{@code gradient-flow}: mean and max {@code |g|} per layer in network order, averaged over the samples, log
 * scale (the "gradient flow" picture);</li>
 * <li>{@code update-ratio}: {@code ‖Δθ‖/‖θ‖} per layer over the steps, log scale, with the healthy 1e-3 and the
 * rule's band;</li>
 * <li>{@code dead-units}: fraction of dead units per layer, last sample and mean over the samples;</li>
 * <li>{@code output-grad}: {@code ‖∂L/∂output‖} per layer at the first and last sample, log scale;</li>
 * </ol>
 * then, for a model with recurrent layers, one chart per recurrent layer ({@link #TIME_STEP_CHART_PREFIX} followed
 * by its index in {@link TimeStepGradients#layerNames()}): {@code ‖∂L/∂h_t‖} against the time step t, one line per
 * sampled training step (see {@link TimeStepGradients}); then the {@link TextSummary}. Above the charts, the
 * verdicts table ({@code id="diagnostics"}: each (kind, layer) condition with its first step, figures, and whether it
 * still holds or cleared, and at which step) and the thresholds of the rules as a table ({@code id="thresholds"}).
 * Line-chart legends and bar-chart categories name each layer by name and type, e.g. {@code 0 (Linear)}.
 */
public final class HtmlReport {
    /** The ids of the chart elements, in page order. */
    public static final List<String> CHARTS = List.of("grad-norm", "gradient-flow", "update-ratio", "dead-units",
            "output-grad");
    /** The id of recurrent layer i's time-step chart is this prefix followed by i. */
    public static final String TIME_STEP_CHART_PREFIX = "time-steps-";
    /** At most this many sampled steps are drawn in a time-step chart, evenly spread from the first to the last. */
    static final int TIME_STEP_LINES = 8;

    private HtmlReport() {
    }

    /** Writes {@link #render} to {@code file} (replaced). */
    public static void write(GradientMonitor monitor, String title, Path file) throws IOException {
        AtomicFile.writeString(file, render(monitor, title));
    }

    /** The page for {@code monitor}'s records and diagnostics. */
    public static String render(GradientMonitor monitor, String title) {
        List<StepRecord> records = monitor.records();
        List<String> withParams = layers(records, l -> l.grad() != null);
        List<String> paramLabels = labels(records, withParams);
        List<String> withOutput = layers(records, l -> l.activation() != null);
        List<String> outputLabels = labels(records, withOutput);
        double[] steps = records.stream().mapToDouble(StepRecord::step).toArray();
        Thresholds t = monitor.thresholds();

        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"UTF-8\"/>\n<title>").append(escape(title)).append("</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
                        + "th{background:#eee}pre{background:#f6f6f6;padding:1em;overflow-x:auto}"
                        + "h2{margin-top:1.6em}.note{color:#555;font-size:13px}"
                        + "tr.holds td.state{color:#b00020;font-weight:bold}tr.cleared td.state{color:#2e7d32}"
                        + "</style>\n</head>\n<body>\n");
        sb.append("<h1>").append(escape(title)).append("</h1>\n");
        sb.append(String.format(Locale.ROOT, "<p>%d steps, %d sampled (every %d).</p>%n",
                monitor.step(), records.size(), monitor.every()));

        sb.append("<h2>Diagnostics</h2>\n");
        List<Verdict> verdicts = monitor.verdicts();
        if (verdicts.isEmpty()) {
            sb.append("<p id=\"no-diagnostics\">No rule fired.</p>\n");
        } else {
            long holding = verdicts.stream().filter(v -> !v.cleared()).count();
            sb.append(String.format(Locale.ROOT, "<p class=\"note\">%d conditions found, %d holding at the last "
                    + "sample, %d cleared. Value and threshold are those of the first occurrence.</p>%n",
                    verdicts.size(), holding, verdicts.size() - holding));
            sb.append("<table id=\"diagnostics\">\n<tr><th>kind</th><th>layer</th><th>first step</th><th>value</th>"
                    + "<th>threshold</th><th>state</th><th>message</th></tr>\n");
            for (Verdict v : verdicts) {
                Diagnostic d = v.first();
                sb.append(String.format(Locale.ROOT, "<tr class=\"%s\"><td>%s</td><td>%s</td><td>%d</td><td>%s</td>"
                        + "<td>%s</td><td class=\"state\">%s</td><td>%s</td></tr>%n", v.cleared() ? "cleared"
                        : "holds", d.kind(), escape(d.layer()), d.step(), readable(d.value()), readable(d.threshold()),
                        escape(v.state()),
                        escape(d.message())));
            }
            sb.append("</table>\n");
        }
        thresholds(sb, t);

        section(sb, "Gradient norm per layer over steps (log scale)",
                "‖g‖ of each layer's parameters; blue is the input side, red the output side. Lines that sink to the "
                + "bottom are layers whose gradient vanished.",
                SvgCharts.lineChart("grad-norm", "‖g‖", steps, paramLabels, series(records, withParams,
                        LayerStats::gradNorm), true, List.of()));
        section(sb, "Gradient flow: mean and max |g| per layer (log scale)",
                "Averaged over the samples, in network order; a healthy network has bars of similar height.",
                SvgCharts.barChart("gradient-flow", "|g|", paramLabels, List.of("mean |g|", "max |g|"), new double[][] {
                    meanOver(records, withParams, l -> l.grad() == null ? Double.NaN : l.grad().meanAbs()),
                    meanOver(records, withParams, l -> l.grad() == null ? Double.NaN : l.grad().maxAbs())}, true));
        section(sb, "Update-to-parameter ratio per layer over steps (log scale)",
                "‖Δθ‖/‖θ‖ of each layer's parameters after each optimizer step; about 1e-3 is healthy.",
                SvgCharts.lineChart("update-ratio", "‖Δθ‖/‖θ‖", steps, paramLabels, series(records, withParams,
                        LayerStats::updateRatio), true, List.of(new SvgCharts.Rule(1e-3, "1e-3 (healthy)"),
                        new SvgCharts.Rule(t.updateRatioLow(), "rule: low"),
                        new SvgCharts.Rule(t.updateRatioHigh(), "rule: high"))));
        section(sb, "Dead units per layer",
                "Fraction of a layer's units that output exactly 0 for the whole batch (dead ReLUs).",
                SvgCharts.barChart("dead-units", "dead fraction", outputLabels, List.of("last sample",
                    "mean over samples"), new double[][] {
                        lastOf(records, withOutput, HtmlReport::deadFraction),
                        meanOver(records, withOutput, HtmlReport::deadFraction)}, false));
        section(sb, "Gradient reaching each layer's output (log scale)",
                "‖∂L/∂output‖ per layer at the first and the last sample: how much signal reaches each depth.",
                SvgCharts.barChart("output-grad", "‖∂L/∂out‖", outputLabels, List.of("first sample", "last sample"),
                        new double[][] {firstOf(records, withOutput, LayerStats::outputGradNorm),
                            lastOf(records, withOutput, LayerStats::outputGradNorm)}, true));

        timeStepSections(sb, monitor.timeSteps());

        sb.append("<h2>Summary</h2>\n<pre id=\"summary\">").append(escape(TextSummary.of(monitor))).append("</pre>\n");
        sb.append("</body>\n</html>\n");
        return sb.toString();
    }

    /** One chart per recurrent layer: ‖∂L/∂h_t‖ against t, a line per sampled step (a subset when there are many). */
    private static void timeStepSections(StringBuilder sb, TimeStepGradients timeSteps) {
        List<String> names = timeSteps.layerNames();
        for (int k = 0; k < names.size(); k++) {
            List<TimeStepGradients.Sample> samples = timeSteps.samples(names.get(k));
            List<TimeStepGradients.Sample> shown = new ArrayList<>();
            int n = Math.min(samples.size(), TIME_STEP_LINES);
            for (int i = 0; i < n; i++) {
                shown.add(samples.get(n == 1 ? 0 : (int) Math.round(i * (samples.size() - 1.0) / (n - 1))));
            }
            int length = 0;
            for (TimeStepGradients.Sample s : shown) {
                length = Math.max(length, s.steps());
            }
            double[] xs = new double[length];
            for (int t = 0; t < length; t++) {
                xs[t] = t;
            }
            double[][] ys = new double[shown.size()][];
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < shown.size(); i++) {
                ys[i] = java.util.Arrays.copyOf(shown.get(i).gradNorms(), length);
                for (int t = shown.get(i).steps(); t < length; t++) {
                    ys[i][t] = Double.NaN;
                }
                lines.add("step " + shown.get(i).step());
            }
            String ratios = samples.isEmpty() ? "no sample recorded" : String.format(Locale.ROOT,
                    "‖∂L/∂h_0‖ / ‖∂L/∂h_T-1‖ = %.3g at the first sample (step %d), %.3g at the last (step %d)",
                    samples.get(0).firstToLastRatio(), samples.get(0).step(),
                    samples.get(samples.size() - 1).firstToLastRatio(), samples.get(samples.size() - 1).step());
            section(sb, "Gradient reaching the hidden state over time steps: " + names.get(k) + " (log scale)",
                    "‖∂L/∂h_t‖ at each time step t, one line per sampled training step (blue early, red late). A line "
                    + "that falls towards t = 0 is a gradient that vanishes going back in time. " + ratios + ".",
                    SvgCharts.lineChart(TIME_STEP_CHART_PREFIX + k, "‖∂L/∂h_t‖", "time step t", xs, lines, ys, true,
                            List.of()));
        }
    }

    /** The thresholds of the rules, one row per rule with the condition in words. */
    private static void thresholds(StringBuilder sb, Thresholds t) {
        sb.append("<h2>Thresholds</h2>\n<table id=\"thresholds\">\n<tr><th>rule</th><th>fires when</th>"
                + "<th>threshold</th></tr>\n");
        String k = " on " + t.patience() + " consecutive samples";
        row(sb, "VANISHING", "a layer's gradient norm is below the larger of an absolute floor and a fraction of the "
                + "last layer's norm" + k, readable(t.vanishingNorm()) + "; " + readable(t.vanishingFraction())
                + " × last layer's");
        row(sb, "EXPLODING", "a layer's gradient norm is above a bound, or grew by more than a factor over "
                + t.patience() + " samples", readable(t.explodingNorm()) + "; " + readable(t.explodingGrowth())
                + "-fold");
        row(sb, "DEAD_UNITS", "at least this fraction of a layer's units output 0 for the whole batch" + k,
                readable(t.deadFraction()));
        row(sb, "UPDATE_RATIO", "a layer's ‖Δθ‖/‖θ‖ is outside the band" + k, "[" + readable(t.updateRatioLow())
                + ", " + readable(t.updateRatioHigh()) + "]");
        row(sb, "NON_FINITE", "a NaN or infinity in a layer's gradients or output, or in the loss", "any");
        sb.append("</table>\n");
    }

    /** Plain digits from 0.001 to a million ({@code 0.5}, {@code 1000}), otherwise {@code 1e-07}-style. */
    static String readable(double x) {
        double a = Math.abs(x);
        if (x == 0 || (a >= 1e-3 && a < 1e6)) {
            return java.math.BigDecimal.valueOf(x).round(new java.math.MathContext(4)).stripTrailingZeros()
                    .toPlainString();
        }
        return String.format(Locale.ROOT, "%.3g", x).replaceFirst("\\.?0+e", "e");
    }

    private static void row(StringBuilder sb, String rule, String when, String value) {
        sb.append("<tr><td>").append(rule).append("</td><td>").append(escape(when)).append("</td><td>")
                .append(escape(value)).append("</td></tr>\n");
    }

    /** {@code "name (Type)"} for each layer name, the type from the last record that has the layer. */
    private static List<String> labels(List<StepRecord> records, List<String> names) {
        List<String> out = new ArrayList<>(names.size());
        for (String name : names) {
            String type = "";
            for (LayerStats l : records.get(records.size() - 1).layers()) {
                if (l.name().equals(name)) {
                    type = l.type();
                }
            }
            out.add(type.isEmpty() ? name : name + " (" + type + ")");
        }
        return out;
    }

    private static void section(StringBuilder sb, String heading, String note, String svg) {
        sb.append("<h2>").append(escape(heading)).append("</h2>\n<p class=\"note\">").append(escape(note))
                .append("</p>\n<div>").append(svg).append("</div>\n");
    }

    /** Names of the layers that satisfy {@code test} in some record, in network order. */
    private static List<String> layers(List<StepRecord> records, java.util.function.Predicate<LayerStats> test) {
        List<String> out = new ArrayList<>();
        if (records.isEmpty()) {
            return out;
        }
        for (LayerStats l : records.get(records.size() - 1).layers()) {
            for (StepRecord r : records) {
                if (test.test(r.layer(l.name()))) {
                    out.add(l.name());
                    break;
                }
            }
        }
        return out;
    }

    /** {@code out[layer][sample]}, NaN where the layer has no figure. */
    private static double[][] series(List<StepRecord> records, List<String> layers, ToDoubleFunction<LayerStats> f) {
        double[][] out = new double[layers.size()][records.size()];
        for (int i = 0; i < records.size(); i++) {
            List<LayerStats> ls = records.get(i).layers();
            for (int k = 0; k < layers.size(); k++) {
                out[k][i] = f.applyAsDouble(find(ls, layers.get(k)));
            }
        }
        return out;
    }

    private static double[] meanOver(List<StepRecord> records, List<String> layers, ToDoubleFunction<LayerStats> f) {
        double[][] s = series(records, layers, f);
        double[] out = new double[layers.size()];
        for (int k = 0; k < out.length; k++) {
            double sum = 0;
            int n = 0;
            for (double v : s[k]) {
                if (Double.isFinite(v)) {
                    sum += v;
                    n++;
                }
            }
            out[k] = n == 0 ? Double.NaN : sum / n;
        }
        return out;
    }

    private static double[] lastOf(List<StepRecord> records, List<String> layers, ToDoubleFunction<LayerStats> f) {
        return records.isEmpty() ? new double[layers.size()] : at(records.get(records.size() - 1), layers, f);
    }

    private static double[] firstOf(List<StepRecord> records, List<String> layers, ToDoubleFunction<LayerStats> f) {
        return records.isEmpty() ? new double[layers.size()] : at(records.get(0), layers, f);
    }

    private static double[] at(StepRecord r, List<String> layers, ToDoubleFunction<LayerStats> f) {
        double[] out = new double[layers.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = f.applyAsDouble(find(r.layers(), layers.get(k)));
        }
        return out;
    }

    private static double deadFraction(LayerStats l) {
        return l.activation() == null ? Double.NaN : l.activation().deadFraction();
    }

    private static LayerStats find(List<LayerStats> layers, String name) {
        for (LayerStats l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("HtmlReport: no layer named '" + name + "' in a record");
    }

    /** Escapes the five XML special characters. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
