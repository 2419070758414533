package org.tapegrad.monitor;

/**
 * What the monitor measured for one layer (a module without children, or one with parameters of its own) on one
 * sampled step.
 *
 * @param name           dotted module name, as in {@link org.tapegrad.nn.Layer#namedModules()}
 * @param type           simple class name, e.g. {@code Linear}
 * @param grad           statistics of the gradients of the layer's own parameters taken together; null for a layer
 *                       without parameters or without gradients on this step
 * @param updateRatio    {@code ‖Δθ‖₂ / ‖θ‖₂} over the layer's own parameters θ; NaN when not measured
 * @param activation     statistics of the layer's output; null when the layer did not run in a recorded forward
 * @param outputGradNorm {@code ‖∂loss/∂output‖₂}: how much signal reached this depth; NaN when no gradient reached
 *                       the output
 * @param outputGradNonFinite number of NaN or infinite entries of {@code ∂loss/∂output}
 * @param backwardOrder  0 for the first layer whose output gradient was computed during backward, 1 for the next,
 *                       ...; -1 when none was
 */
public record LayerStats(String name, String type, GradientStats grad, double updateRatio, ActivationStats activation,
        double outputGradNorm, long outputGradNonFinite, int backwardOrder) {

    /** Gradient norm of the layer's parameters, NaN when it has none. */
    public double gradNorm() {
        return grad == null ? Double.NaN : grad.norm();
    }

    /** Non-finite entries in the layer's parameter gradients, output gradient and output. */
    public long nonFinite() {
        return (grad == null ? 0 : grad.nonFinite()) + outputGradNonFinite
                + (activation == null ? 0 : activation.nonFinite());
    }
}
