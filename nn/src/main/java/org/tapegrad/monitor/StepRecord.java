package org.tapegrad.monitor;

import java.util.List;

/**
 * Everything the monitor measured, and what its rules concluded, on one sampled step.
 *
 * @param step           the step index (0 for the first {@code afterStep})
 * @param loss           the loss passed to {@link GradientMonitor#afterStep(double)}
 * @param globalGradNorm {@code √(Σ_p ‖g_p‖₂²)} over all parameters, the figure gradient clipping uses
 * @param layers         per layer, in network order (module registration order)
 * @param params         per parameter, in {@link org.tapegrad.nn.Layer#namedParameters()} order
 * @param findings       the conditions that started to hold, still hold or cleared at this sample (see
 *                       {@link Finding}): new and holding ones in the rules' order, then the cleared ones
 */
public record StepRecord(long step, double loss, double globalGradNorm, List<LayerStats> layers,
        List<ParamStats> params, List<Finding> findings) {
    public StepRecord {
        layers = List.copyOf(layers);
        params = List.copyOf(params);
        findings = List.copyOf(findings);
    }

    /** A record with no findings (the figures alone, as the rules receive them). */
    public StepRecord(long step, double loss, double globalGradNorm, List<LayerStats> layers,
            List<ParamStats> params) {
        this(step, loss, globalGradNorm, layers, params, List.of());
    }

    /** This record with {@code findings} in place of its own. */
    public StepRecord withFindings(List<Finding> findings) {
        return new StepRecord(step, loss, globalGradNorm, layers, params, findings);
    }

    /** The statistics of the layer named {@code name}. */
    public LayerStats layer(String name) {
        for (LayerStats l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("StepRecord.layer: no layer named '" + name + "' (layers: "
                + layers.stream().map(LayerStats::name).toList() + ")");
    }

    /** The statistics of the parameter named {@code name}. */
    public ParamStats param(String name) {
        for (ParamStats p : params) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("StepRecord.param: no parameter named '" + name + "' (parameters: "
                + params.stream().map(ParamStats::name).toList() + ")");
    }
}
