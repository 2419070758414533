package org.tapegrad.monitor;

import org.tapegrad.core.gemm.BlockedMatmul;

/**
 * The passes over tensor storage behind the monitor's statistics, each reading its arrays once and allocating
 * nothing. Two implementations: {@link JavaStatsKernel}, plain loops for both dtypes and the reference for the
 * statistics, and {@code VectorStatsKernel}, the JDK's Vector API for float32 storage (used when
 * {@code jdk.incubator.vector} is present; it is what keeps a sampled step cheap: docs/PERFORMANCE.md). Sums are accumulated in float64 by both.
 */
interface StatsKernel {
    /** The fastest kernel this JVM can run. */
    StatsKernel INSTANCE = best();

    /**
     * The gradient figures of {@code x}: {@code out[0] = Σ x²}, {@code out[1] = Σ |x|}, {@code out[2] = max |x|} (NaN
     * once any entry is NaN), {@code out[3]} the number of entries exactly 0, {@code out[4]} the number of NaN or
     * infinite entries.
     *
     * @param x   entries (not modified)
     * @param out five figures (modified)
     */
    default void magnitudes(Entries x, double[] out) {
        magnitudes(x, null, null, out);
    }

    /**
     * {@link #magnitudes(Entries, double[])}, and in the same pass copies {@code copyFrom} into {@code copyInto}: the
     * monitor's snapshot of a parameter rides along the read of its gradient, which is bound by arithmetic while a
     * copy is bound by memory, so the copy costs little (one pass costs less than two: docs/PERFORMANCE.md).
     *
     * @param x        entries (not modified)
     * @param copyFrom entries of x's size, or null for no copy (not modified)
     * @param copyInto entries of the same dtype and size as {@code copyFrom} (modified)
     * @param out      five figures (modified)
     */
    void magnitudes(Entries x, Entries copyFrom, Entries copyInto, double[] out);

    /** {@code Σ x²} (non-finite when an entry is). */
    double sumSquares(Entries x);

    /**
     * The size of a change from {@code before} to {@code now} (same dtype and size): {@code out[0] = Σ before²},
     * {@code out[1] = Σ (now − before)²}.
     *
     * @param now    entries after (not modified)
     * @param before entries before (not modified)
     * @param out    two figures (modified)
     */
    void change(Entries now, Entries before, double[] out);

    /**
     * The first two moments of {@code x} about a shift K, in one pass: {@code out[0] = Σ (x − K)},
     * {@code out[1] = Σ (x − K)²}; and, seeing x as rows of {@code units} entries, adds to {@code zeros[u]} the
     * number of rows whose entry u is exactly 0. With K one of the entries,
     * {@code Σ (x − K)² − (Σ (x − K))² / n} loses nothing to cancellation when the mean is far from 0 (as
     * {@code Σ x² − n μ²} would), so the variance needs no second pass.
     *
     * @param x     entries, a whole number of rows (not modified)
     * @param units entries per row
     * @param shift K
     * @param zeros per unit, {@code units} counts (modified)
     * @param out   two sums (modified)
     */
    void moments(Entries x, int units, double shift, int[] zeros, double[] out);

    /** The number of NaN or infinite entries (a pass of its own: it is needed only when a sum is not finite). */
    static long nonFinite(Entries x) {
        long n = 0;
        for (int i = 0; i < x.size; i++) {
            n += Double.isFinite(x.get(i)) ? 0 : 1;
        }
        return n;
    }

    private static StatsKernel best() {
        if (BlockedMatmul.vectorApiAvailable()) {
            try {
                // By name, so that this interface links without the incubator module.
                return (StatsKernel) Class.forName("org.tapegrad.monitor.VectorStatsKernel")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                // fall through to the portable loops
            }
        }
        return new JavaStatsKernel();
    }
}
