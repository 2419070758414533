package org.tapegrad.monitor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.tapegrad.core.io.AtomicFile;

/**
 * The records as one CSV table in long format, for spreadsheets and pandas: one row per (sampled step, layer) with
 * {@code scope = layer}, one per (sampled step, parameter) with {@code scope = param}, and one per finding of the
 * rules ({@link Finding}) with {@code scope = finding}: {@code name} is the layer, {@code type} the kind
 * ({@code VANISHING}, ...), {@code status} {@code new}, {@code holds} or {@code cleared}, and a new finding's
 * {@code value} and {@code threshold} (its message is in the JSON Lines and HTML reports). A cell is empty when the
 * figure does not apply or was not measured; non-finite values are written {@code NaN}, {@code inf}, {@code -inf}.
 */
public final class CsvReport {
    /** The header row. */
    public static final String HEADER = "step,loss,global_grad_norm,scope,name,type,grad_norm,grad_mean_abs,"
            + "grad_max_abs,grad_zero_fraction,grad_non_finite,param_norm,update_ratio,act_mean,act_std,"
            + "act_zero_fraction,dead_fraction,output_grad_norm,status,value,threshold";

    private CsvReport() {
    }

    /** Writes the header and the rows of every record to {@code file} (replaced). */
    public static void write(List<StepRecord> records, Path file) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (StepRecord r : records) {
            sb.append(rows(r));
        }
        AtomicFile.writeString(file, sb);
    }

    /** The rows of one record, each ending in a newline (no header). */
    public static String rows(StepRecord r) {
        StringBuilder sb = new StringBuilder();
        String prefix = r.step() + "," + num(r.loss()) + "," + num(r.globalGradNorm()) + ",";
        for (LayerStats l : r.layers()) {
            ActivationStats a = l.activation();
            sb.append(prefix).append("layer,").append(l.name()).append(',').append(l.type()).append(',');
            grad(sb, l.grad());
            sb.append(",").append(l.grad() == null ? "" : num(l.updateRatio())).append(",")
                    .append(a == null ? "" : num(a.mean())).append(',')
                    .append(a == null ? "" : num(a.std())).append(',')
                    .append(a == null ? "" : num(a.zeroFraction())).append(',')
                    .append(a == null ? "" : num(a.deadFraction())).append(',')
                    .append(Double.isNaN(l.outputGradNorm()) ? "" : num(l.outputGradNorm())).append(",,,\n");
        }
        for (ParamStats p : r.params()) {
            sb.append(prefix).append("param,").append(p.name()).append(",,");
            grad(sb, p.grad());
            sb.append(num(p.norm())).append(',').append(num(p.updateRatio())).append(",,,,,,,,\n");
        }
        for (Finding f : r.findings()) {
            Diagnostic d = f.diagnostic();
            sb.append(prefix).append("finding,").append(f.layer()).append(',').append(f.kind()).append(",,,,,,,,,,,,,")
                    .append(f.status().name().toLowerCase(java.util.Locale.ROOT)).append(',')
                    .append(d == null ? "" : num(d.value())).append(',')
                    .append(d == null ? "" : num(d.threshold())).append('\n');
        }
        return sb.toString();
    }

    /** grad_norm .. grad_non_finite followed by a comma (five cells). */
    private static void grad(StringBuilder sb, GradientStats g) {
        if (g == null) {
            sb.append(",,,,,");
        } else {
            sb.append(num(g.norm())).append(',').append(num(g.meanAbs())).append(',').append(num(g.maxAbs()))
                    .append(',').append(num(g.zeroFraction())).append(',').append(g.nonFinite()).append(',');
        }
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return Double.toString(v);
    }
}
