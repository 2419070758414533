package org.tapegrad.monitor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link StatsKernel} on the JDK's Vector API for float32 storage (float64 goes to {@link JavaStatsKernel}):
 * each float vector (of the matrix kernel's species) is widened to two double vectors of half as many lanes, so
 * every sum is accumulated in float64 as in the reference, only in a different order. The loops keep several sets
 * of accumulators: one chain of dependent adds waits for each add to finish, two or four keep the floating-point
 * units busy. A non-finite sum sends the array to the reference, which counts the culprits and gives max its
 * NaN. Loaded only when the {@code jdk.incubator.vector} module is present (see {@link StatsKernel#INSTANCE}).
 */
final class VectorStatsKernel implements StatsKernel {
    /**
     * The matrix kernel's float species, and only it: a second float shape in the same JVM (this kernel used 128-bit
     * floats, half of a 256-bit double vector) pollutes the type profiles that every {@code FloatVector} method
     * shares, and when the GEMM's loop is compiled after such a pass, C2 on JDK 17 cannot intrinsify its vectors
     * (each training step of the LSTM became 3-4x slower after one monitored step).
     */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Doubles of the same bit size: one float vector widens into two double vectors, parts 0 and 1. */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED.vectorBitSize() == F.vectorBitSize()
            ? DoubleVector.SPECIES_PREFERRED : VectorSpecies.of(double.class, F.vectorShape());
    /** Doubles per double vector; a float vector holds 2L floats. */
    private static final int L = D.length();
    /** Ints with as many lanes as F: the bit patterns of a float vector. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorMask<Float> NO_LANES = F.maskAll(false);

    private final JavaStatsKernel reference = new JavaStatsKernel();

    /** The one float species this kernel uses (for the test that it is the matrix kernel's). */
    static VectorSpecies<Float> floatSpecies() {
        return F;
    }

    /** Lanes [part·L, part·L + L) of {@code v}, widened to doubles. */
    private static DoubleVector widen(FloatVector v, int part) {
        return (DoubleVector) v.convertShape(VectorOperators.F2D, D, part);
    }

    /**
     * Copies {@code from[i, i + 2L)} into {@code into}, bit for bit. {@code v.blend(v, NO_LANES)} is v, and is there
     * for the JIT: {@code FloatVector.intoArray} is one method for every vector shape, and once other code (the
     * GEMM) has stored 512-bit vectors through it, C2 on JDK 17 does not intrinsify a store of a vector whose exact
     * class it cannot see, the case straight out of {@code fromArray}: each store became a loop of scalar stores on
     * a boxed vector, and the pass many times slower. {@code blend(Vector, VectorMask)} is implemented by each vector class
     * and dispatched from here, so its result has its exact class. ({@code blend(long, VectorMask)} would not do:
     * it is one method for all shapes too, and its own calls go through the shared profile.)
     */
    private static void copy(float[] from, float[] into, int i) {
        FloatVector v = FloatVector.fromArray(F, from, i);
        v.blend(v, NO_LANES).intoArray(into, i);
    }

    /**
     * Max and zero count work on the bit patterns of |x|, as ints: a non-negative float orders as its bits do, and
     * is 0 exactly when its bits are, so {@code max} is one integer max and each non-zero entry adds
     * {@code min(bits, 1) = 1} to an int count (exact for any array length). The float forms (a Java-semantics float
     * max, a masked float add) each took longer than the rest of the pass together on JDK 17.
     */
    @Override
    public void magnitudes(Entries e, Entries copyFrom, Entries copyInto, double[] out) {
        boolean copy = copyFrom != null;
        if (e.floats == null || copy && copyFrom.floats == null) {
            reference.magnitudes(e, copyFrom, copyInto, out);
            return;
        }
        float[] x = e.floats;
        float[] from = copy ? copyFrom.floats : null;
        float[] into = copy ? copyInto.floats : null;
        int n = e.size;
        IntVector one = IntVector.broadcast(I, 1);
        DoubleVector sq0 = DoubleVector.zero(D), sq1 = sq0, abs0 = sq0, abs1 = sq0;
        IntVector max = IntVector.zero(I), nonZeros = max;
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector a = FloatVector.fromArray(F, x, i).abs();
            if (copy) { // a loop-invariant test: the JIT compiles the loop once with the copy, once without
                copy(from, into, i);
            }
            IntVector b = a.reinterpretAsInts();
            max = max.max(b);
            nonZeros = nonZeros.add(b.min(one));
            DoubleVector d0 = widen(a, 0);
            DoubleVector d1 = widen(a, 1);
            sq0 = d0.fma(d0, sq0);
            sq1 = d1.fma(d1, sq1);
            abs0 = abs0.add(d0);
            abs1 = abs1.add(d1);
        }
        double squares = sq0.add(sq1).reduceLanes(VectorOperators.ADD);
        double sumAbs = abs0.add(abs1).reduceLanes(VectorOperators.ADD);
        double maxAbs = Float.intBitsToFloat(max.reduceLanes(VectorOperators.MAX));
        long zeros = i - nonZeros.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            if (copy) {
                into[i] = from[i];
            }
            double a = Math.abs(x[i]);
            squares += a * a;
            sumAbs += a;
            maxAbs = Math.max(maxAbs, a);
            zeros += a == 0 ? 1 : 0;
        }
        if (!Double.isFinite(squares)) { // a NaN or infinite entry (float squares cannot overflow a double sum)
            reference.magnitudes(e, out);
            return;
        }
        out[0] = squares;
        out[1] = sumAbs;
        out[2] = maxAbs;
        out[3] = zeros;
        out[4] = 0;
    }

    @Override
    public double sumSquares(Entries e) {
        if (e.floats == null) {
            return reference.sumSquares(e);
        }
        float[] x = e.floats;
        int n = e.size;
        // Four chains of fused multiply-adds: with two, each waits on the latency of the one before.
        DoubleVector sq0 = DoubleVector.zero(D), sq1 = sq0, sq2 = sq0, sq3 = sq0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            FloatVector v0 = FloatVector.fromArray(F, x, i);
            FloatVector v1 = FloatVector.fromArray(F, x, i + 2 * L);
            DoubleVector d0 = widen(v0, 0);
            DoubleVector d1 = widen(v0, 1);
            DoubleVector d2 = widen(v1, 0);
            DoubleVector d3 = widen(v1, 1);
            sq0 = d0.fma(d0, sq0);
            sq1 = d1.fma(d1, sq1);
            sq2 = d2.fma(d2, sq2);
            sq3 = d3.fma(d3, sq3);
        }
        double squares = sq0.add(sq1).add(sq2.add(sq3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            double v = x[i];
            squares += v * v;
        }
        return squares;
    }

    @Override
    public void change(Entries now, Entries before, double[] out) {
        if (now.floats == null || before.floats == null) {
            reference.change(now, before, out);
            return;
        }
        float[] a = now.floats;
        float[] b = before.floats;
        int n = now.size;
        DoubleVector sq0 = DoubleVector.zero(D), sq1 = sq0, ch0 = sq0, ch1 = sq0;
        int i = 0;
        for (; i <= n - 2 * L; i += 2 * L) {
            FloatVector vb = FloatVector.fromArray(F, b, i);
            FloatVector va = FloatVector.fromArray(F, a, i);
            DoubleVector b0 = widen(vb, 0);
            DoubleVector b1 = widen(vb, 1);
            DoubleVector d0 = widen(va, 0).sub(b0);
            DoubleVector d1 = widen(va, 1).sub(b1);
            sq0 = b0.fma(b0, sq0);
            sq1 = b1.fma(b1, sq1);
            ch0 = d0.fma(d0, ch0);
            ch1 = d1.fma(d1, ch1);
        }
        double squares = sq0.add(sq1).reduceLanes(VectorOperators.ADD);
        double changes = ch0.add(ch1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            double v = b[i];
            double d = a[i] - v;
            squares += v * v;
            changes += d * d;
        }
        out[0] = squares;
        out[1] = changes;
    }

    @Override
    public void moments(Entries e, int units, double shift, int[] zeros, double[] out) {
        if (e.floats == null) {
            reference.moments(e, units, shift, zeros, out);
            return;
        }
        float[] x = e.floats;
        int n = e.size;
        int rows = n / units;
        int blocked = units - units % (2 * L);
        IntVector one = IntVector.broadcast(I, 1);
        DoubleVector k = DoubleVector.broadcast(D, shift);
        double sum = 0;
        double squares = 0;
        // Down the rows of a block of 2L units at a time: the block's sums and non-zero counts (min(bits of |x|, 1),
        // as in magnitudes) stay in registers until the last row, then one reduction per block. (Vectors carried
        // from one block to the next through the outer loop would not stay in registers: C2 on JDK 17 boxes them.)
        for (int u = 0; u < blocked; u += 2 * L) {
            DoubleVector s0 = DoubleVector.zero(D), s1 = s0, q0 = s0, q1 = s0;
            IntVector nonZeros = IntVector.zero(I);
            for (int i = u; i < n; i += units) {
                FloatVector v = FloatVector.fromArray(F, x, i);
                nonZeros = nonZeros.add(v.abs().reinterpretAsInts().min(one));
                DoubleVector d0 = widen(v, 0).sub(k);
                DoubleVector d1 = widen(v, 1).sub(k);
                s0 = s0.add(d0);
                s1 = s1.add(d1);
                q0 = d0.fma(d0, q0);
                q1 = d1.fma(d1, q1);
            }
            IntVector allRows = IntVector.broadcast(I, rows);
            IntVector.fromArray(I, zeros, u).add(allRows.sub(nonZeros)).intoArray(zeros, u);
            sum += s0.add(s1).reduceLanes(VectorOperators.ADD);
            squares += q0.add(q1).reduceLanes(VectorOperators.ADD);
        }
        for (int u = blocked; u < units; u++) { // the last units % 2L columns
            for (int i = u; i < n; i += units) {
                float v = x[i];
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
