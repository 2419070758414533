package org.tapegrad.monitor;

import org.tapegrad.core.Tensor;

/**
 * Statistics of a layer's output a [N, ...] over a batch of N examples, whose entries after the first dimension are
 * the layer's units (for a 2-D output [N, F], the F columns).
 *
 * @param mean         {@code μ = Σ a_i / n} over all n entries
 * @param std          population standard deviation {@code √(Σ (a_i − μ)² / n)}
 * @param zeroFraction fraction of entries exactly 0
 * @param deadFraction fraction of units whose output is exactly 0 for every example of the batch (for a ReLU, units
 *                     that pass no gradient at all on this batch)
 * @param nonFinite    number of NaN or infinite entries
 */
public record ActivationStats(double mean, double std, double zeroFraction, double deadFraction, long nonFinite) {

    /**
     * The statistics of {@code output}; a tensor of rank 0 or 1 counts as one example.
     *
     * @param output a layer output (not modified)
     */
    public static ActivationStats of(Tensor output) {
        Entries e = new Entries(output);
        int n = e.size;
        if (n == 0) {
            return new ActivationStats(0, 0, 0, 0, 0);
        }
        int rows = output.rank() >= 2 ? output.size(0) : 1;
        int units = n / rows;
        // About the first entry (when finite): no cancellation in the variance when |μ| >> σ, and one pass.
        double shift = Double.isFinite(e.get(0)) ? e.get(0) : 0;
        int[] zerosPerUnit = new int[units];
        double[] m = new double[2];
        StatsKernel.INSTANCE.moments(e, units, shift, zerosPerUnit, m);
        long nonFinite = Double.isFinite(m[1]) ? 0 : StatsKernel.nonFinite(e); // rare: count the culprits apart
        double mean = shift + m[0] / n;
        double variance = Math.max(0, (m[1] - m[0] * m[0] / n) / n);
        long zeros = 0;
        int dead = 0;
        for (int z : zerosPerUnit) {
            zeros += z;
            dead += z == rows ? 1 : 0;
        }
        return new ActivationStats(mean, Math.sqrt(variance), (double) zeros / n, (double) dead / units, nonFinite);
    }
}
