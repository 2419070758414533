package org.tapegrad.monitor;

/**
 * The {@link StatsKernel} in plain Java: one loop per figure set, serving float32 and float64 through
 * {@link Entries#get}. The reference the Vector API kernel is tested against, and what runs without the incubator
 * module.
 */
final class JavaStatsKernel implements StatsKernel {
    @Override
    public void magnitudes(Entries x, Entries copyFrom, Entries copyInto, double[] out) {
        if (copyFrom != null) {
            copyFrom.copyTo(copyInto);
        }
        double squares = 0;
        double sumAbs = 0;
        double maxAbs = 0;
        long zeros = 0;
        for (int i = 0; i < x.size; i++) {
            double v = x.get(i);
            double a = Math.abs(v);
            squares += v * v;
            sumAbs += a;
            maxAbs = Math.max(maxAbs, a); // NaN once any entry is NaN
            zeros += v == 0 ? 1 : 0;
        }
        out[0] = squares;
        out[1] = sumAbs;
        out[2] = maxAbs;
        out[3] = zeros;
        out[4] = Double.isFinite(squares) ? 0 : StatsKernel.nonFinite(x); // every non-finite entry makes Σ x² so
    }

    @Override
    public double sumSquares(Entries x) {
        double s = 0;
        for (int i = 0; i < x.size; i++) {
            double v = x.get(i);
            s += v * v;
        }
        return s;
    }

    @Override
    public void change(Entries now, Entries before, double[] out) {
        double squares = 0;
        double changes = 0;
        for (int i = 0; i < now.size; i++) {
            double b = before.get(i);
            double d = now.get(i) - b;
            squares += b * b;
            changes += d * d;
        }
        out[0] = squares;
        out[1] = changes;
    }

    @Override
    public void moments(Entries x, int units, double shift, int[] zeros, double[] out) {
        int rows = x.size / units;
        double sum = 0;
        double squares = 0;
        // Without branches on the value: ReLU outputs are zero about half the time, at random.
        for (int r = 0, i = 0; r < rows; r++) {
            for (int u = 0; u < units; u++, i++) {
                double v = x.get(i);
                double d = v - shift;
                sum += d;
                squares += d * d;
                zeros[u] += v == 0 ? 1 : 0;
            }
        }
        out[0] = sum;
        out[1] = squares;
    }
}
