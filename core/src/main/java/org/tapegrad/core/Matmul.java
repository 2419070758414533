package org.tapegrad.core;

import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Holds the {@link MatmulKernel} in use for the whole JVM (like a BLAS library chosen at link time). */
public final class Matmul {
    private static final Logger log = LoggerFactory.getLogger(Matmul.class);
    private static volatile MatmulKernel kernel = new EjmlMatmul();

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
