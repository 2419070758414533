/**
 * Training across processes and machines: {@link org.tapegrad.nn.distributed.ProcessGroup} (ranks connected over
 * TCP; all-reduce, broadcast, all-gather, barrier; started from {@code RANK}, {@code WORLD_SIZE},
 * {@code MASTER_ADDR} and {@code MASTER_PORT} or by a launcher) and
 * {@link org.tapegrad.nn.distributed.DistributedDataParallel} (each rank backpropagates its share of every global
 * batch and the gradients are summed over the ranks, so every replica takes the single-process step). Nothing here
 * depends on a cluster engine; the Spark launcher is {@code org.tapegrad.optim.distributed.SparkTrainer}.
 *
 * <p>May use: {@code org.tapegrad.core}, {@code org.tapegrad.core.gemm},
 * {@code org.tapegrad.core.io}, {@code org.tapegrad.nn}, {@code org.tapegrad.nn.train}.
 */
package org.tapegrad.nn.distributed;
