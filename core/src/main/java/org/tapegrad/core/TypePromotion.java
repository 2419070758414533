package org.tapegrad.core;

import java.util.Set;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * The dtype in which an op on several tensors computes, PyTorch's {@code torch.result_type}, and which ops integer
 * and boolean tensors take part in: the one place that decides.
 *
 * <p>Promotion follows bool &lt; int32 &lt; float32 &lt; float64: float32 op float64 is float64, int32 op float32 is
 * float32, bool op int32 is int32. As in PyTorch, a rank-0 tensor does not promote a tensor with dimensions
 * ({@code x32.mul(scalar64)} stays float32) unless it is of a higher category (bool, integer, floating point: an
 * int32 tensor times a rank-0 float64 tensor is float64). A Java {@code double} passed to an op ({@code x.mul(2.0)})
 * is a floating-point scalar, as a Python float is in PyTorch: it never promotes a float tensor, and makes an int32
 * or bool one float32 ({@code labels.mul(2.0)} is float32).
 *
 * <p>Every op that combines tensors (element-wise arithmetic, maximum/minimum, where, comparisons, matmul, linear,
 * convolutions, concat, the losses) converts its inputs with {@link Tensor#to} to this dtype before computing. The
 * conversion is recorded, so the gradient of each input arrives in that input's own dtype (the rule of {@code to}
 * converts it back). Unlike PyTorch, which refuses mixed dtypes in matmul, linear and convolutions, those promote
 * here too: one rule for every op. In-place updates never round down implicitly: {@link Tensor#addInPlace} refuses
 * to write float64 values into a float32 tensor.
 *
 * <p>Integer and boolean tensors, per op family ({@link #checkResult}):
 * <ul>
 *   <li>Moving data (views, copy, concat, flip, indexSelect, gather, scatter, where, maskedFill): any dtype.</li>
 *   <li>int32 arithmetic (add, sub, mul, neg, abs, clamp, maximum, minimum, sum, cumsum, indexAdd, scatterAdd) is
 *       int32 and exact; a result outside the int32 range is refused (PyTorch wraps silently; convert to float64
 *       or int-safe values first). True division of integers is float32, as PyTorch's {@code int / int}.</li>
 *   <li>Bool takes no arithmetic (refused, naming {@code .to(DType.INT32)} and logicalAnd/Or/Not as the fix),
 *       except maximum and minimum (logical or and and) and sum (counts the trues, as int32).</li>
 *   <li>Floating-point math (exp, log, sqrt, pow, the activations, softmax, matmul, bmm, linear, convolutions,
 *       pooling, norm, crossEntropy) is refused on int32 and bool with the fix {@code .to(DType.FLOAT32)}: unlike
 *       division, PyTorch's silent promotion there hides an accidental integer tensor more often than it helps.
 *       An op composed of int32 arithmetic and a Java-double scalar (mean, var, mse) is defined: the arithmetic is
 *       exact and the scalar step makes the result float32.</li>
 * </ul>
 */
final class TypePromotion {
    private TypePromotion() {
    }

    /** Ops that move or select values without arithmetic: defined on every dtype. */
    private static final Set<String> MOVING = Set.of("to", "copy", "contiguous", "concat", "flip", "indexSelect",
            "narrow", "padSlice", "permute", "reshape", "select", "squeeze", "unsqueeze", "expand", "where",
            "maskedFill", "gather", "scatter");
    /** int32 arithmetic whose results are exact integers, checked against the int32 range. */
    private static final Set<String> INTEGER_ARITHMETIC = Set.of("add", "sub", "mul", "neg", "abs", "sum",
            "cumsum", "reverseCumsum", "indexAdd", "scatterAdd");
    /** Ops whose result lies among their inputs' values, so it needs no range check. */
    private static final Set<String> INTEGER_SELECTIONS = Set.of("maximum", "minimum", "clamp", "max", "amax");
    /** Ops defined on bool: maximum is logical or, minimum logical and. */
    private static final Set<String> BOOL_SELECTIONS = Set.of("maximum", "minimum", "max", "amax");

    /**
     * The common dtype of {@code tensors} (nulls, such as an absent bias, are skipped): the widest dtype of the
     * tensors with dimensions, unless a rank-0 tensor is of a higher category, then the widest rank-0 one of that
     * category; the widest rank-0 dtype when every tensor has rank 0; float32 when there are none.
     */
    static DType resultType(Tensor... tensors) {
        DType dimensioned = null, zeroDim = null;
        for (Tensor t : tensors) {
            if (t != null && t.rank() > 0) {
                dimensioned = wider(dimensioned, t.dtype());
            } else if (t != null) {
                zeroDim = wider(zeroDim, t.dtype());
            }
        }
        if (dimensioned == null) {
            return zeroDim == null ? DType.FLOAT32 : zeroDim;
        }
        return zeroDim != null && category(zeroDim) > category(dimensioned) ? zeroDim : dimensioned;
    }

    /** {@link #resultType}, but float32 where that is int32 or bool: true division and other float results. */
    static DType floatResultType(Tensor... tensors) {
        DType d = resultType(tensors);
        return d.isFloatingPoint() ? d : DType.FLOAT32;
    }

    /** The dtype of {@code x} combined with a Java double scalar: x's own when floating point, else float32. */
    static DType withDoubleScalar(Tensor x) {
        return x.dtype().isFloatingPoint() ? x.dtype() : DType.FLOAT32;
    }

    private static DType wider(DType a, DType b) {
        return a == null || order(b) > order(a) ? b : a;
    }

    private static int order(DType d) {
        return switch (d) {
            case BOOL -> 0;
            case INT32 -> 1;
            case FLOAT32 -> 2;
            case FLOAT64 -> 3;
        };
    }

    /** 0 bool, 1 integer, 2 floating point: PyTorch's categories for the rank-0 rule. */
    private static int category(DType d) {
        return d == DType.BOOL ? 0 : d == DType.INT32 ? 1 : 2;
    }

    /**
     * Checks the int32 or bool result {@code out} of {@code op} (called for every such result, before it is
     * returned): refuses an op that is not defined on the dtype, and an int32 arithmetic result outside the int32
     * range.
     */
    static void checkResult(String op, Tensor out) {
        DType d = out.dtype();
        boolean defined = MOVING.contains(op) || (d == DType.INT32
                ? INTEGER_ARITHMETIC.contains(op) || INTEGER_SELECTIONS.contains(op)
                : BOOL_SELECTIONS.contains(op));
        if (!defined) {
            String fix = d == DType.BOOL && INTEGER_ARITHMETIC.contains(op)
                    ? "bool tensors take no arithmetic; convert with .to(DType.INT32) first, or use logicalAnd, "
                    + "logicalOr or logicalNot"
                    : "it computes in floating point; convert the input with .to(DType.FLOAT32) first";
            throw new IllegalArgumentException(op + ": not defined for " + d + " tensors (" + Shape.str(out.shapeRef())
                    + "); " + fix);
        }
        if (d == DType.INT32 && INTEGER_ARITHMETIC.contains(op)) {
            double[] v = out.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) {
                    throw new ArithmeticException(op + ": int32 overflow: element " + i + " of the "
                            + Shape.str(out.shapeRef()) + " result is " + (long) v[i] + ", outside " + Integer.MIN_VALUE
                            + " to " + Integer.MAX_VALUE + " (PyTorch would wrap it silently); convert the inputs with "
                            + ".to(DType.FLOAT64) first");
                }
            }
        }
    }

    /**
     * {@code source} as an in-place update of {@code target} reads it: as it is when the dtypes agree, converted
     * (exactly, not recorded) when {@code target} is float64 and {@code source} float32.
     *
     * @throws IllegalArgumentException when {@code target} is float32 and {@code source} float64: writing would
     *                                  round every value, so the caller converts one of them explicitly
     */
    static Tensor forInPlace(String op, Tensor target, Tensor source) {
        if (source.dtype() == target.dtype()) {
            return source;
        }
        if (!target.dtype().isFloatingPoint() || !source.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": cannot write " + source.dtype() + " values into this "
                    + target.dtype() + " tensor in place; convert the source with .to(" + target.dtype().name()
                    + ") first");
        }
        if (target.dtype() == DType.FLOAT32) {
            throw new IllegalArgumentException(op + ": cannot write " + source.dtype() + " values into this "
                    + target.dtype() + " tensor in place, which would round them; convert the source with "
                    + ".to(DType.FLOAT32), or make the target float64 with .to(DType.FLOAT64)");
        }
        return source.detach().to(target.dtype());
    }

    /** {@code t} converted to {@code dtype} (recorded), or null for null (an absent optional input). */
    static Tensor to(Tensor t, DType dtype) {
        return t == null ? null : t.to(dtype);
    }
}
