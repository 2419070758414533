/**
 * Pieces for hand-written training loops (a library, not a framework): {@link org.tapegrad.nn.train.RunningMean},
 * {@link org.tapegrad.nn.train.Accuracy} (top-k), {@link org.tapegrad.nn.train.ConfusionMatrix},
 * {@link org.tapegrad.nn.train.Evaluation} (eval mode, nothing recorded), {@link org.tapegrad.nn.train.ProgressBar}
 * (a terminal bar, or log lines when not on a terminal) and {@link org.tapegrad.nn.train.EarlyStopping}.
 * Checkpoints are {@link org.tapegrad.core.io.Checkpoint}; data comes from {@link org.tapegrad.core.data.DataLoader}.
 *
 * <p>May use: {@code org.tapegrad.core}, {@code org.tapegrad.core.gemm},
 * {@code org.tapegrad.core.io}, {@code org.tapegrad.core.data}, {@code org.tapegrad.nn}.
 */
package org.tapegrad.nn.train;
