package org.tapegrad.nn.monitor;

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
        boolean[] alive = new boolean[units];
        double sum = 0;
        long zeros = 0;
        long nonFinite = 0;
        // Row by row and without branches on the value: ReLU outputs are zero about half the time, at random.
        for (int r = 0, i = 0; r < rows; r++) {
            for (int u = 0; u < units; u++, i++) {
                double v = e.get(i);
                sum += v;
                boolean nonZero = v != 0;
                zeros += nonZero ? 0 : 1;
                alive[u] |= nonZero;
            }
        }
        if (!Double.isFinite(sum)) { // rare: count the culprits in a pass of their own
            for (int i = 0; i < n; i++) {
                nonFinite += Double.isFinite(e.get(i)) ? 0 : 1;
            }
        }
        double mean = sum / n;
        double squares = 0; // second pass: Σ (a − μ)² is stabler than Σ a² − n μ²
        for (int i = 0; i < n; i++) {
            double d = e.get(i) - mean;
            squares += d * d;
        }
        int dead = 0;
        for (boolean a : alive) {
            dead += a ? 0 : 1;
        }
        return new ActivationStats(mean, Math.sqrt(squares / n), (double) zeros / n, (double) dead / units, nonFinite);
    }
}
