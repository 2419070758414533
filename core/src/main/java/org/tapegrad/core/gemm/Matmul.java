package org.tapegrad.core.gemm;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the {@link MatmulKernel} in use for the whole JVM (like a BLAS library chosen at link time). The default is
 * {@link BlockedMatmul} on the Vector API when the JVM runs with {@code --add-modules jdk.incubator.vector}, and
 * EJML's single-threaded products otherwise (faster than the portable blocked kernel). It is logged once, when the
 * first product is computed; without the Vector API, a notice on stderr also says, once, how to enable it.
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

    /** Set once the notice that the fast kernel is off has been printed. */
    private static final AtomicBoolean NOTICED = new AtomicBoolean();
    /** The system property that, set to {@code false}, silences that notice. */
    static final String NOTICE_PROPERTY = "tapegrad.vectorNotice";
    static final String NOTICE = "Tapegrad: the JDK's Vector API is not enabled, so matrix products run on a slower "
            + "kernel (" + new EjmlMatmul().name() + "). Enable the fast one with the JVM option --add-modules "
            + "jdk.incubator.vector: java --add-modules jdk.incubator.vector ...; Maven Surefire: "
            + "<argLine>--add-modules jdk.incubator.vector</argLine>; Gradle: jvmArgs '--add-modules', "
            + "'jdk.incubator.vector'; an IDE: the run configuration's VM options. (-D" + NOTICE_PROPERTY
            + "=false silences this notice.)";
    /** Initialised after the notice's fields, which choosing the default may use. */
    private static volatile MatmulKernel kernel = defaultKernel();

    private static MatmulKernel defaultKernel() {
        MatmulKernel k = BlockedMatmul.vectorApiAvailable() ? BlockedMatmul.create(1) : new EjmlMatmul();
        log.info("Matrix multiplication kernel: {}", k.name());
        if (!BlockedMatmul.vectorApiAvailable()) {
            noticeSlowKernel();
        }
        return k;
    }

    /**
     * Prints {@link #NOTICE} to stderr the first time a slower kernel is chosen because the Vector API is missing,
     * and never again in this JVM; on stderr and not only in the log, because a project without an slf4j provider
     * drops log lines.
     */
    static void noticeSlowKernel() {
        if (!"false".equals(System.getProperty(NOTICE_PROPERTY)) && NOTICED.compareAndSet(false, true)) {
            System.err.println(NOTICE);
        }
    }

    /** The best kernel for {@code threads} threads: see {@link #kernel()}'s default. */
    public static MatmulKernel best(int threads) {
        if (BlockedMatmul.vectorApiAvailable()) {
            return BlockedMatmul.create(threads);
        }
        noticeSlowKernel();
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
