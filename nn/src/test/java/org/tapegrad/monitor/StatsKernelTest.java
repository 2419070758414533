package org.tapegrad.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * The Vector API kernel against the plain loops, on lengths around the vector width (tails), with exact zeros, -0,
 * and NaN or infinite entries (which the vector kernel hands to the reference).
 */
class StatsKernelTest {
    private static final int[] SIZES = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 100, 257, 1000, 4099};
    private final JavaStatsKernel reference = new JavaStatsKernel();
    private final VectorStatsKernel vector = new VectorStatsKernel();

    @Test
    void itUsesOnlyTheMatrixKernelsFloatShape() {
        // A second float vector shape pollutes the profiles of FloatVector's shared methods; a GEMM compiled after
        // a monitored step then ran with boxed vectors, 3-4x slower (seq-mnist after its first measured step).
        assertEquals(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, VectorStatsKernel.floatSpecies());
    }

    @Test
    void theVectorKernelIsTheOneInUseWhenTheModuleIsPresent() {
        // The tests run with --add-modules jdk.incubator.vector (surefire argLine), so this class tests what runs.
        assertInstanceOf(VectorStatsKernel.class, StatsKernel.INSTANCE);
    }

    @Test
    void magnitudesMatchTheReference() {
        Random rng = new Random(7);
        for (int n : SIZES) {
            for (float special : new float[] {0, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                Entries e = entries(random(rng, n, special));
                double[] want = new double[5];
                double[] got = new double[5];
                reference.magnitudes(e, want);
                vector.magnitudes(e, got);
                String what = "n=" + n + " special=" + special;
                assertClose(want[0], got[0], what + " Σx²");
                assertClose(want[1], got[1], what + " Σ|x|");
                assertEquals(want[2], got[2], 0, what + " max|x|");
                assertEquals(want[3], got[3], 0, what + " zeros");
                assertEquals(want[4], got[4], 0, what + " non-finite");
                if (special == 0) {
                    assertEquals(0, got[4], what);
                } else if (n > 0) {
                    assertTrue(got[4] >= 1, what);
                }
            }
        }
    }

    @Test
    void theCopyAlongTheGradientPassIsExactAndChangesNoFigure() {
        Random rng = new Random(10);
        for (StatsKernel kernel : new StatsKernel[] {reference, vector}) {
            for (int n : SIZES) {
                for (float special : new float[] {0, Float.NaN}) {
                    Entries grad = entries(random(rng, n, special));
                    Entries param = entries(random(rng, n, 0));
                    Entries copy = Entries.bufferFor(Tensor.zeros(n), null);
                    Arrays.fill(copy.floats, 7);
                    double[] alone = new double[5];
                    double[] withCopy = new double[5];
                    kernel.magnitudes(grad, alone);
                    kernel.magnitudes(grad, param, copy, withCopy);
                    String what = kernel.getClass().getSimpleName() + " n=" + n + " special=" + special;
                    assertArrayEquals(alone, withCopy, 0, what);
                    assertArrayEquals(Arrays.copyOf(param.floats, n), copy.floats, what);
                }
            }
        }
        double[] param = {1, -2, 3.5};
        Entries into = Entries.bufferFor(Tensor.of(DType.FLOAT64, param, 3), null);
        vector.magnitudes(new Entries(Tensor.of(DType.FLOAT64, new double[] {0, 1, 2}, 3)), new Entries(Tensor.of(DType.FLOAT64, param, 3)), into,
                new double[5]);
        assertArrayEquals(param, into.doubles, 0, "float64 goes to the reference, copy included");
    }

    @Test
    void maxAndZerosSeeSubnormalsAndTheLargestFloats() {
        // The vector kernel takes max |x| and the zero count on the bit patterns of |x|: check the extremes of the
        // float range, where an ordering or a zero test on bits could go wrong.
        float[] x = new float[100];
        x[3] = Float.MIN_VALUE; // the smallest subnormal: not zero
        x[40] = -Float.MIN_NORMAL;
        x[41] = -0f;
        x[77] = -Float.MAX_VALUE;
        x[78] = 3e38f;
        double[] want = new double[5];
        double[] got = new double[5];
        reference.magnitudes(entries(x), want);
        vector.magnitudes(entries(x), got);
        assertEquals(Float.MAX_VALUE, got[2], 0);
        assertEquals(96, got[3], 0);
        // One tolerance per figure: Σx² is ~1e77 here, so a tolerance scaled by it would accept any Σ|x| or count.
        assertClose(want[0], got[0], "Σx²");
        assertClose(want[1], got[1], "Σ|x|");
        assertEquals(want[2], got[2], 0, "max|x|");
        assertEquals(want[3], got[3], 0, "zeros");
        assertEquals(want[4], got[4], 0, "non-finite");
        x[77] = 0;
        x[78] = 0;
        vector.magnitudes(entries(x), got);
        assertEquals(Float.MIN_NORMAL, got[2], 0);
        x[40] = 0;
        vector.magnitudes(entries(x), got);
        assertEquals(Float.MIN_VALUE, got[2], 0);
        assertEquals(99, got[3], 0);
    }

    @Test
    void sumsOfSquaresAndChangesMatchTheReference() {
        Random rng = new Random(8);
        for (int n : SIZES) {
            float[] before = random(rng, n, 0);
            float[] now = before.clone();
            for (int i = 0; i < n; i++) {
                now[i] -= 1e-3f * (float) rng.nextGaussian();
            }
            Entries b = entries(before);
            Entries a = entries(now);
            assertClose(reference.sumSquares(a), vector.sumSquares(a), "n=" + n);
            double[] want = new double[2];
            double[] got = new double[2];
            reference.change(a, b, want);
            vector.change(a, b, got);
            assertClose(want[0], got[0], "n=" + n + " Σ before²");
            assertClose(want[1], got[1], "n=" + n + " Σ (now − before)²");
        }
    }

    @Test
    void momentsAndZerosPerUnitMatchTheReference() {
        Random rng = new Random(9);
        // Units below, at and across the vector kernel's blocks of 2L columns (16 with AVX-512), and a tail.
        for (int units : new int[] {1, 3, 8, 10, 16, 17, 40, 256}) {
            for (int rows : new int[] {1, 2, 5, 128}) {
                for (float special : new float[] {0, Float.NaN}) { // a NaN is not a zero
                    Entries e = entries(random(rng, rows * units, special));
                    int[] want = new int[units];
                    int[] got = new int[units];
                    double[] wantSums = new double[2];
                    double[] gotSums = new double[2];
                    reference.moments(e, units, 0.25, want, wantSums);
                    vector.moments(e, units, 0.25, got, gotSums);
                    String what = rows + "x" + units + " special=" + special;
                    assertClose(wantSums[0], gotSums[0], what + " Σ (x − K)");
                    assertClose(wantSums[1], gotSums[1], what + " Σ (x − K)²");
                    assertArrayEquals(want, got, what);
                }
            }
        }
    }

    @Test
    void float64GoesToTheReference() {
        Entries e = new Entries(Tensor.of(DType.FLOAT64, new double[] {3, 0, -4, Double.NaN, 1e300, 2}, 6));
        double[] want = new double[5];
        double[] got = new double[5];
        reference.magnitudes(e, want);
        vector.magnitudes(e, got);
        assertArrayEquals(want, got, 0);
        assertEquals(reference.sumSquares(e), vector.sumSquares(e), 0);
    }

    /** n entries: about a third exact zeros (half of them -0), the rest Gaussian; one {@code special} when non-zero. */
    private static float[] random(Random rng, int n, float special) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double u = rng.nextDouble();
            x[i] = u < 1 / 6.0 ? 0f : u < 1 / 3.0 ? -0f : (float) rng.nextGaussian();
        }
        if (special != 0 && n > 0) {
            x[rng.nextInt(n)] = special;
        }
        return x;
    }

    private static Entries entries(float[] x) {
        return new Entries(Tensor.of(x, x.length));
    }

    /** Equal up to the order of summation (NaN equals NaN, infinities must agree). */
    private static void assertClose(double want, double got, String what) {
        if (!Double.isFinite(want)) {
            assertEquals(want, got, 0, what);
        } else {
            assertEquals(want, got, 1e-12 * Math.max(1, Math.abs(want)), what);
        }
    }
}
