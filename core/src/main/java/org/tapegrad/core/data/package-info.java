/**
 * Data for training loops: {@link org.tapegrad.core.data.IdxFile} reads the MNIST family's files,
 * {@link org.tapegrad.core.data.TensorDataset} holds examples in memory, and
 * {@link org.tapegrad.core.data.DataLoader} cuts them into shuffled, reproducible, optionally prefetched
 * minibatches.
 */
package org.tapegrad.core.data;
