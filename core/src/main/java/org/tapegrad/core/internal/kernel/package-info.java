/**
 * Not API, may change without notice: the loops under core's ops, public only so that {@code org.tapegrad.core} can
 * call them. {@link org.tapegrad.core.internal.kernel.Kernels} per dtype ({@code Float64Kernels} hand-written,
 * {@code Float32Kernels} generated from it at build time), element functions ({@code UnaryFn}, {@code BinaryFn}),
 * strided loops, shape and convolution-geometry helpers.
 *
 * <p>May use: {@code org.tapegrad.core.gemm}, {@code org.tapegrad.core.DType}.
 */
package org.tapegrad.core.internal.kernel;
