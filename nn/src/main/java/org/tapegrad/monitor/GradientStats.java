package org.tapegrad.monitor;

import java.util.List;
import org.tapegrad.core.Tensor;

/**
 * Statistics of the gradient entries g_i (i = 1..n) of one parameter, or of all parameters of a layer together.
 *
 * @param norm         L2 norm {@code √(Σ g_i²)}
 * @param meanAbs      mean magnitude {@code Σ |g_i| / n}
 * @param maxAbs       largest magnitude {@code max |g_i|}
 * @param zeroFraction fraction of entries exactly 0
 * @param nonFinite    number of NaN or infinite entries (when &gt; 0 the other figures are not finite either)
 * @param count        n, the number of entries
 */
public record GradientStats(double norm, double meanAbs, double maxAbs, double zeroFraction, long nonFinite,
        long count) {

    /**
     * The statistics of the entries of {@code tensors} taken together.
     *
     * @param tensors gradients (not modified), at least one
     */
    public static GradientStats of(List<Tensor> tensors) {
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("GradientStats.of: no tensors given; need at least one gradient");
        }
        double[] sums = new double[5];
        double[] m = new double[5];
        long count = 0;
        for (Tensor t : tensors) {
            Entries e = new Entries(t);
            StatsKernel.INSTANCE.magnitudes(e, m);
            sums[0] += m[0];
            sums[1] += m[1];
            sums[2] = Math.max(sums[2], m[2]);
            sums[3] += m[3];
            sums[4] += m[4];
            count += e.size;
        }
        return of(sums, count);
    }

    /**
     * The statistics of {@code count} entries from their figures as a {@link StatsKernel} gives them: {@code Σ x²},
     * {@code Σ |x|}, {@code max |x|}, the number of zeros and of non-finite entries.
     */
    static GradientStats of(double[] figures, long count) {
        return new GradientStats(Math.sqrt(figures[0]), count == 0 ? 0 : figures[1] / count, figures[2],
                count == 0 ? 0 : figures[3] / count, (long) figures[4], count);
    }

    /** {@link #of(List)} of one tensor. */
    public static GradientStats of(Tensor gradient) {
        return of(List.of(gradient));
    }

    /**
     * The statistics of several groups of entries taken together, from their separate statistics:
     * {@code norm = √(Σ norm_k²)}, means weighted by {@code count_k}, the largest maximum.
     *
     * @param parts statistics of disjoint groups, at least one
     */
    public static GradientStats combine(List<GradientStats> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("GradientStats.combine: no statistics given; need at least one");
        }
        double sumSquares = 0;
        double sumAbs = 0;
        double maxAbs = 0;
        double zeros = 0;
        long nonFinite = 0;
        long count = 0;
        for (GradientStats p : parts) {
            sumSquares += p.norm * p.norm;
            sumAbs += p.meanAbs * p.count;
            maxAbs = Math.max(maxAbs, p.maxAbs);
            zeros += p.zeroFraction * p.count;
            nonFinite += p.nonFinite;
            count += p.count;
        }
        return new GradientStats(Math.sqrt(sumSquares), count == 0 ? 0 : sumAbs / count, maxAbs,
                count == 0 ? 0 : zeros / count, nonFinite, count);
    }
}
