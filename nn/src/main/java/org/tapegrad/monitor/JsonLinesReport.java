package org.tapegrad.monitor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.tapegrad.core.io.AtomicFile;
import org.tapegrad.core.io.Json;

/**
 * The records as JSON Lines: one JSON object per sampled step, per line, for {@code jq}, pandas
 * ({@code read_json(lines=True)}) and the like. Non-finite numbers and figures not measured are {@code null}.
 *
 * <pre>{@code
 * {"step":0,"loss":0.5,"global_grad_norm":1.2,
 *  "layers":[{"name":"0","type":"Linear","grad_norm":0.9,"grad_mean_abs":0.01,"grad_max_abs":0.2,
 *             "grad_zero_fraction":0.0,"grad_non_finite":0,"update_ratio":0.001,"act_mean":0.1,"act_std":0.9,
 *             "act_zero_fraction":0.0,"dead_fraction":0.0,"act_non_finite":0,"output_grad_norm":0.3,
 *             "output_grad_non_finite":0,"backward_order":2}, ...],
 *  "params":[{"name":"0.weight","grad_norm":0.8,"grad_mean_abs":0.01,"grad_max_abs":0.2,"grad_zero_fraction":0.0,
 *             "grad_non_finite":0,"param_norm":3.1,"update_ratio":0.001}, ...],
 *  "findings":[{"kind":"VANISHING","layer":"0","status":"new","value":1.2e-6,"threshold":5.3e-4,"message":"..."},
 *              {"kind":"DEAD_UNITS","layer":"3","status":"holds"},{"kind":"EXPLODING","layer":"4","status":"cleared"}]}
 * }</pre>
 *
 * <p>{@code findings} are the rules' conclusions at that sample ({@link Finding}): a condition that is {@code new}
 * (with its figures and message), one that still {@code holds}, one that {@code cleared}.
 */
public final class JsonLinesReport {
    private JsonLinesReport() {
    }

    /** Writes one line per record to {@code file} (replaced). */
    public static void write(List<StepRecord> records, Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (StepRecord r : records) {
            sb.append(line(r)).append('\n');
        }
        AtomicFile.writeString(file, sb);
    }

    /** One record as a single-line JSON object. */
    public static String line(StepRecord r) {
        StringBuilder sb = new StringBuilder("{");
        field(sb, "step", r.step()).append(',');
        field(sb, "loss", r.loss()).append(',');
        field(sb, "global_grad_norm", r.globalGradNorm()).append(",\"layers\":[");
        for (int i = 0; i < r.layers().size(); i++) {
            LayerStats l = r.layers().get(i);
            sb.append(i == 0 ? "{" : ",{");
            text(sb, "name", l.name()).append(',');
            text(sb, "type", l.type()).append(',');
            grad(sb, l.grad());
            field(sb, "update_ratio", l.updateRatio()).append(',');
            ActivationStats a = l.activation();
            field(sb, "act_mean", a == null ? null : a.mean()).append(',');
            field(sb, "act_std", a == null ? null : a.std()).append(',');
            field(sb, "act_zero_fraction", a == null ? null : a.zeroFraction()).append(',');
            field(sb, "dead_fraction", a == null ? null : a.deadFraction()).append(',');
            field(sb, "act_non_finite", a == null ? null : a.nonFinite()).append(',');
            field(sb, "output_grad_norm", l.outputGradNorm()).append(',');
            field(sb, "output_grad_non_finite", l.outputGradNonFinite()).append(',');
            field(sb, "backward_order", l.backwardOrder()).append('}');
        }
        sb.append("],\"params\":[");
        for (int i = 0; i < r.params().size(); i++) {
            ParamStats p = r.params().get(i);
            sb.append(i == 0 ? "{" : ",{");
            text(sb, "name", p.name()).append(',');
            grad(sb, p.grad());
            field(sb, "param_norm", p.norm()).append(',');
            field(sb, "update_ratio", p.updateRatio()).append('}');
        }
        sb.append("],\"findings\":[");
        for (int i = 0; i < r.findings().size(); i++) {
            Finding f = r.findings().get(i);
            sb.append(i == 0 ? "{" : ",{");
            text(sb, "kind", f.kind().name()).append(',');
            text(sb, "layer", f.layer()).append(',');
            text(sb, "status", f.status().name().toLowerCase(java.util.Locale.ROOT));
            Diagnostic d = f.diagnostic();
            if (d != null) {
                sb.append(',');
                field(sb, "value", d.value()).append(',');
                field(sb, "threshold", d.threshold()).append(',');
                text(sb, "message", d.message());
            }
            sb.append('}');
        }
        return sb.append("]}").toString();
    }

    /**
     * Writes one line per recurrent layer and sample, each as {@link #timeStepLine}, to {@code file} (replaced): in
     * step order, and for each step the layers in {@link TimeStepGradients#layerNames()} order (the order in which
     * {@link LiveReports} appends them while training runs).
     */
    public static void writeTimeSteps(TimeStepGradients timeSteps, Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        List<String> layers = timeSteps.layerNames();
        int[] next = new int[layers.size()];
        while (true) { // merge the layers' sample lists, each in step order, by step
            int best = -1;
            long bestStep = Long.MAX_VALUE;
            for (int k = 0; k < layers.size(); k++) {
                List<TimeStepGradients.Sample> s = timeSteps.samples(layers.get(k));
                if (next[k] < s.size() && s.get(next[k]).step() < bestStep) {
                    best = k;
                    bestStep = s.get(next[k]).step();
                }
            }
            if (best < 0) {
                break;
            }
            sb.append(timeStepLine(layers.get(best), timeSteps.samples(layers.get(best)).get(next[best]++)))
                    .append('\n');
        }
        AtomicFile.writeString(file, sb);
    }

    /**
     * One recurrent layer's sample: {@code {"step":0,"layer":"lstm","first_to_last":0.8,"grad_norms":[...]}}, the
     * norms {@code ‖∂L/∂h_t‖} for t = 0, 1, ... (null where no gradient reached).
     */
    public static String timeStepLine(String layer, TimeStepGradients.Sample s) {
        StringBuilder sb = new StringBuilder("{");
        field(sb, "step", s.step()).append(',');
        text(sb, "layer", layer).append(',');
        field(sb, "first_to_last", s.firstToLastRatio()).append(",\"grad_norms\":[");
        double[] g = s.gradNorms();
        for (int t = 0; t < g.length; t++) {
            sb.append(t == 0 ? "" : ",").append(Double.isFinite(g[t]) ? String.valueOf(g[t]) : "null");
        }
        return sb.append("]}").toString();
    }

    private static void grad(StringBuilder sb, GradientStats g) {
        field(sb, "grad_norm", g == null ? null : g.norm()).append(',');
        field(sb, "grad_mean_abs", g == null ? null : g.meanAbs()).append(',');
        field(sb, "grad_max_abs", g == null ? null : g.maxAbs()).append(',');
        field(sb, "grad_zero_fraction", g == null ? null : g.zeroFraction()).append(',');
        field(sb, "grad_non_finite", g == null ? null : g.nonFinite()).append(',');
    }

    private static StringBuilder text(StringBuilder sb, String name, String value) {
        return sb.append('"').append(name).append("\":").append(Json.quote(value));
    }

    private static StringBuilder field(StringBuilder sb, String name, Number value) {
        sb.append('"').append(name).append("\":");
        if (value == null || (value instanceof Double d && !Double.isFinite(d))) {
            return sb.append("null");
        }
        return sb.append(value);
    }
}
