/**
 * Data for training loops: {@link org.tapegrad.core.data.IdxFile} reads the MNIST family's files,
 * {@link org.tapegrad.core.data.TensorDataset} holds examples in memory with class labels or tensor targets,
 * {@link org.tapegrad.core.data.DataLoader} cuts them into shuffled, reproducible minibatches assembled by any number
 * of background workers, and {@link org.tapegrad.core.data.ImageTransform}s
 * ({@link org.tapegrad.core.data.ImageTransforms}) augment them per example, seeded.
 *
 * <p>May use: {@code org.tapegrad.core}.
 */
package org.tapegrad.core.data;
