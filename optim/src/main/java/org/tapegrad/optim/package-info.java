/**
 * Optimizers that consume the gradients computed by {@code org.tapegrad.core}, learning-rate schedules and gradient
 * clipping, with PyTorch's names, defaults and update rules ({@code torch.optim}).
 *
 * <ul>
 *   <li>{@link org.tapegrad.optim.Optimizer}: parameter groups, lazily created per-parameter state, {@code step()},
 *       {@code zeroGrad()}, checkpoints; {@link org.tapegrad.optim.Sgd}, {@link org.tapegrad.optim.Adam},
 *       {@link org.tapegrad.optim.AdamW}, {@link org.tapegrad.optim.RmsProp}, {@link org.tapegrad.optim.Adagrad}.
 *       Each update rule is a static method over one parameter's values, stated in the class's Javadoc, with a
 *       float32 twin over {@code float[]} parameter, gradient and state.</li>
 *   <li>{@link org.tapegrad.optim.LrSchedule}: {@link org.tapegrad.optim.StepLr},
 *       {@link org.tapegrad.optim.MultiStepLr}, {@link org.tapegrad.optim.ExponentialLr},
 *       {@link org.tapegrad.optim.CosineAnnealingLr}, {@link org.tapegrad.optim.LinearLr},
 *       {@link org.tapegrad.optim.OneCycleLr}, {@link org.tapegrad.optim.SequentialLr},
 *       {@link org.tapegrad.optim.ReduceLrOnPlateau}.</li>
 *   <li>{@link org.tapegrad.optim.GradClip}: clipping by global norm or by value.</li>
 * </ul>
 *
 * A training loop (the optimizer updates parameters outside the recording, so its writes are not recorded):
 *
 * <pre>{@code
 * var optimizer = new AdamW(model.parameters(), AdamW.Options.of(3e-4));
 * var warmup = new LinearLr(optimizer, 0.01, 1.0, 500);
 * var cosine = new CosineAnnealingLr(optimizer, steps - 500, 0);
 * var schedule = new SequentialLr(optimizer, List.of(warmup, cosine), new int[] {500});
 * for (int step = 0; step < steps; step++) {
 *     try (var tape = Tape.record()) {
 *         Tensor loss = Losses.crossEntropy(model.forward(x), labels);
 *         tape.backward(loss);
 *     }
 *     GradClip.clipGradNorm(model.parameters(), 1.0);
 *     optimizer.step();
 *     optimizer.zeroGrad();
 *     schedule.step();
 * }
 * }</pre>
 *
 * To checkpoint, save {@code optimizer.stateDict()} and {@code schedule.stateDict()} next to the model's; to resume,
 * build the same optimizer and schedule over the restored parameters and call {@code loadStateDict} on both.
 *
 * <p>May use: {@code org.tapegrad.core}, {@code org.tapegrad.core.gemm}, {@code org.tapegrad.core.io}
 * (not nn: an optimizer sees tensors, not layers).
 */
package org.tapegrad.optim;
