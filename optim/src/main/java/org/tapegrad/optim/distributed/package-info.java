/**
 * Synchronous data-parallel training runs across processes: {@link org.tapegrad.optim.distributed.TrainingJob}
 * (what a rank needs: model, optimizer, loss, settings), {@link org.tapegrad.optim.distributed.DistributedTraining}
 * (one rank's loop over its shard) and {@link org.tapegrad.optim.distributed.SparkTrainer} (the ranks as one Spark
 * barrier stage); here, not in nn.distributed, because a job holds an optimizer.
 *
 * <p>May use: {@code org.tapegrad.core}, {@code org.tapegrad.core.gemm}, {@code org.tapegrad.core.io},
 * {@code org.tapegrad.core.data}, {@code org.tapegrad.nn}, {@code org.tapegrad.nn.train},
 * {@code org.tapegrad.nn.distributed}, {@code org.tapegrad.optim}.
 */
package org.tapegrad.optim.distributed;
