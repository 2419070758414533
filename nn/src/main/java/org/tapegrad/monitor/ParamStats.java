package org.tapegrad.monitor;

/**
 * What the monitor measured for one parameter p on one sampled step.
 *
 * @param name        dotted name, as in {@link org.tapegrad.nn.Layer#namedParameters()}
 * @param grad        statistics of its gradient; null when it had none on this step
 * @param norm        {@code ‖p‖₂} before the optimizer step
 * @param updateRatio {@code ‖p_after − p_before‖₂ / ‖p_before‖₂}, the relative size of the optimizer's update
 *                    (around 1e-3 in healthy training); NaN when not measured or when {@code ‖p_before‖₂ = 0}
 */
public record ParamStats(String name, GradientStats grad, double norm, double updateRatio) {
}
