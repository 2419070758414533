package org.tapegrad.core;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the {@link MatmulKernel} in use for the whole JVM (like a BLAS library chosen at link time). The default is
 * {@link BlockedMatmul} on the Vector API when the JVM runs with {@code --add-modules jdk.incubator.vector}, and
 * EJML's single-threaded products otherwise (faster than the portable blocked kernel). It is logged once, when the
 * first product is computed.
 *
 * <p>The default runs on one thread, unlike PyTorch's (one per physical core), because more did not pay where it
 * was measured (docs/PERFORMANCE.md): a team of 2 made the MLP's products and inference faster, but training steps
 * no faster, as the optimizer and the elementwise ops then write memory the other core has just read or written,
 * which cost as much as the products saved (see {@link BlockedMatmul}). Ask for threads with
 * {@code Matmul.use(Matmul.best(n))}; for several cores on whole batches, {@code DataParallel} (in nn) cuts the batch
 * instead, which pays for inference.
 */
public final class Matmul {
    private static final Logger log = LoggerFactory.getLogger(Matmul.class);
    private static volatile MatmulKernel kernel = defaultKernel();

    private static MatmulKernel defaultKernel() {
        MatmulKernel k = BlockedMatmul.vectorApiAvailable() ? BlockedMatmul.create(1) : new EjmlMatmul();
        log.info("Matrix multiplication kernel: {}{}", k.name(), BlockedMatmul.vectorApiAvailable() ? ""
                : " (run java with --add-modules jdk.incubator.vector for the Vector API kernel)");
        return k;
    }

    /** The best kernel for {@code threads} threads: see {@link #kernel()}'s default. */
    public static MatmulKernel best(int threads) {
        if (BlockedMatmul.vectorApiAvailable()) {
            return BlockedMatmul.create(threads);
        }
        return threads == 1 ? new EjmlMatmul() : new EjmlConcurrentMatmul(threads);
    }

    private Matmul() {
    }

    /** The kernel every matrix product goes through. */
    public static MatmulKernel kernel() {
        return kernel;
    }

    /** Installs {@code k} for all later products. */
    public static void use(MatmulKernel k) {
        kernel = Objects.requireNonNull(k, "kernel");
        log.info("Matrix multiplication kernel: {}", k.name());
    }
}
