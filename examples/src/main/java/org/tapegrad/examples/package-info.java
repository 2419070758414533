/**
 * Runnable programs ({@code java -jar examples/target/tapegrad-examples.jar --help}) and benchmarks: the one
 * package that may use every public Tapegrad package, and the only one that may use the examples' own.
 *
 * <p>May use: {@code org.tapegrad.core}, {@code org.tapegrad.core.gemm}, {@code org.tapegrad.core.io},
 * {@code org.tapegrad.core.data}, {@code org.tapegrad.nn}, {@code org.tapegrad.nn.train},
 * {@code org.tapegrad.nn.distributed}, {@code org.tapegrad.monitor}, {@code org.tapegrad.optim},
 * {@code org.tapegrad.optim.distributed}, {@code org.tapegrad.examples.jmh}.
 */
package org.tapegrad.examples;
