package org.tapegrad.core.internal.kernel;

/**
 * Branch-free selections for hot element-wise loops. A data-dependent {@code x > 0 ? g : 0} compiles to a branch
 * for floating-point values, and on activations (signs at random) that branch mispredicts half the time; these
 * compute a sign mask from the bits instead. Overloaded for both dtypes, so the generated {@link Float32Kernels}
 * calls the float version through the same source line.
 */
public final class Select {
    private Select() {
    }

    /** {@code g} where {@code x > 0}, else 0; a NaN x with a clear sign bit passes g, as PyTorch's relu backward. */
    static double ifPositive(double x, double g) {
        long bits = Double.doubleToRawLongBits(x);
        long mask = (-bits & ~bits) >> 63; // all ones exactly when bits > 0 as a signed long: x > +0
        return Double.longBitsToDouble(Double.doubleToRawLongBits(g) & mask);
    }

    /** {@code g} where {@code x > 0}, else 0; a NaN x with a clear sign bit passes g, as PyTorch's relu backward. */
    static float ifPositive(float x, float g) {
        int bits = Float.floatToRawIntBits(x);
        int mask = (-bits & ~bits) >> 31; // all ones exactly when bits > 0 as a signed int: x > +0
        return Float.intBitsToFloat(Float.floatToRawIntBits(g) & mask);
    }

    /**
     * A key that orders like the value for every non-NaN {@code x} (-0 just below +0), as a signed integer, so that
     * a running maximum can be kept with integer selects, which compile without branches.
     */
    static long orderKey(double x) {
        long bits = Double.doubleToRawLongBits(x);
        return bits ^ ((bits >> 63) & Long.MAX_VALUE);
    }

    /** Whether x and y have the same bits (so -0 is not +0, and a NaN is itself). */
    static boolean sameBits(double x, double y) {
        return Double.doubleToRawLongBits(x) == Double.doubleToRawLongBits(y);
    }

    /** {@link #sameBits(double, double)} for floats. */
    static boolean sameBits(float x, float y) {
        return Float.floatToRawIntBits(x) == Float.floatToRawIntBits(y);
    }

    /** {@link #orderKey(double)} for a float. */
    static int orderKey(float x) {
        int bits = Float.floatToRawIntBits(x);
        return bits ^ ((bits >> 31) & Integer.MAX_VALUE);
    }
}
