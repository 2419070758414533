/**
 * Matrix products: {@link org.tapegrad.core.gemm.MatmulKernel}, the one interface every product goes through,
 * chosen JVM-wide with {@link org.tapegrad.core.gemm.Matmul#use}; {@link org.tapegrad.core.gemm.BlockedMatmul} (packed
 * panels, Vector API or portable micro-kernels, on a {@link org.tapegrad.core.gemm.WorkerTeam}) and EJML's
 * single- and multi-threaded products. It knows nothing of tensors: operands are EJML matrices.
 *
 * <p>May use: no other Tapegrad package.
 */
package org.tapegrad.core.gemm;
