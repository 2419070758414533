/**
 * JMH benchmarks of matrix products and of whole training steps, run from the examples jar.
 *
 * <p>May use: {@code org.tapegrad.core}, {@code org.tapegrad.core.gemm}, {@code org.tapegrad.core.io},
 * {@code org.tapegrad.core.data}, {@code org.tapegrad.nn}, {@code org.tapegrad.nn.train},
 * {@code org.tapegrad.nn.distributed}, {@code org.tapegrad.monitor}, {@code org.tapegrad.optim},
 * {@code org.tapegrad.optim.distributed}, {@code org.tapegrad.examples}.
 */
package org.tapegrad.examples.jmh;
