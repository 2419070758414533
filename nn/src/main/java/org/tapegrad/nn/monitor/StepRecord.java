package org.tapegrad.nn.monitor;

import java.util.List;

/**
 * Everything the monitor measured on one sampled step.
 *
 * @param step           the step index (0 for the first {@code afterStep})
 * @param loss           the loss passed to {@link GradientMonitor#afterStep(double)}
 * @param globalGradNorm {@code √(Σ_p ‖g_p‖₂²)} over all parameters, the figure gradient clipping uses
 * @param layers         per layer, in network order (module registration order)
 * @param params         per parameter, in {@link org.tapegrad.nn.Layer#namedParameters()} order
 */
public record StepRecord(long step, double loss, double globalGradNorm, List<LayerStats> layers,
        List<ParamStats> params) {
    public StepRecord {
        layers = List.copyOf(layers);
        params = List.copyOf(params);
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
