package org.tapegrad.core.internal.kernel;

/**
 * tanh and the logistic sigmoid for the fused recurrent kernels ({@link Float64CellKernels} and its generated
 * float32 twin): overloads chosen by the argument's type, so the twin's float arguments get the float forms.
 *
 * <p>In float64 they are exact ({@link Math#tanh}, {@link Math#exp}). In float32, tanh is the rational
 * approximation {@code x·P(x²)/Q(x²)} (degree 13 over degree 6, on x clamped to [-7.99881, 7.99881], as Eigen and
 * TensorFlow compute float tanh), within 4e-7 of {@link Math#tanh}, and {@code σ(x) = (1 + tanh(x/2))/2}: a
 * dozen multiplies and adds and one division, which the JIT vectorises (it does not vectorise {@link Math#tanh}).
 * The kernels call the array forms on runs of one function. (A Vector API form was tried and is not used: its
 * vector calls changed how the JIT compiled the GEMM's vector fma, which then ran boxed.)
 */
final class Activations {
    private static final float CLAMP = 7.99881172180175781f;
    private static final float A1 = 4.89352455891786e-03f;
    private static final float A3 = 6.37261928875436e-04f;
    private static final float A5 = 1.48572235717979e-05f;
    private static final float A7 = 5.12229709037114e-08f;
    private static final float A9 = -8.60467152213735e-11f;
    private static final float A11 = 2.00018790482477e-13f;
    private static final float A13 = -2.76076847742355e-16f;
    private static final float B0 = 4.89352518554385e-03f;
    private static final float B2 = 2.26843463243900e-03f;
    private static final float B4 = 1.18534705686654e-04f;
    private static final float B6 = 1.19825839466702e-06f;

    private Activations() {
    }

    /** {@code a[i] = tanh(a[i])} for i in [from, to). */
    static void tanh(double[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = Math.tanh(a[i]);
        }
    }

    /** {@code a[i] = σ(a[i])} for i in [from, to). */
    static void sigmoid(double[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = sigmoid(a[i]);
        }
    }

    /** {@code a[i] = tanh(a[i])} for i in [from, to), in float32 arithmetic. */
    static void tanh(float[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = tanh(a[i]);
        }
    }

    /** {@code a[i] = σ(a[i])} for i in [from, to), in float32 arithmetic. */
    static void sigmoid(float[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            a[i] = sigmoid(a[i]);
        }
    }

    static double tanh(double x) {
        return Math.tanh(x);
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** tanh in float32 arithmetic; NaN stays NaN. */
    static float tanh(float x) {
        float c = Math.max(-CLAMP, Math.min(CLAMP, x));
        float c2 = c * c;
        float p = c2 * A13 + A11;
        p = c2 * p + A9;
        p = c2 * p + A7;
        p = c2 * p + A5;
        p = c2 * p + A3;
        p = c2 * p + A1;
        float q = c2 * B6 + B4;
        q = c2 * q + B2;
        q = c2 * q + B0;
        return c * p / q;
    }

    /** σ(x) = (1 + tanh(x/2))/2 in float32 arithmetic. */
    static float sigmoid(float x) {
        return 0.5f + 0.5f * tanh(0.5f * x);
    }
}
