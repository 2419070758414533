package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

import org.tapegrad.core.internal.kernel.BinaryFn;
import org.tapegrad.core.internal.kernel.Shape;
import org.tapegrad.core.internal.kernel.UnaryFn;

/**
 * Element-wise arithmetic of two tensors with broadcasting, affine maps by scalars, and the selections (maximum,
 * minimum, where, maskedFill). Masks are bool tensors (from a comparison), or float tensors of 0s and 1s.
 */
final class ArithmeticOps {
    private ArithmeticOps() {
    }

    /** a + b. dA = g, dB = g, each summed back to its input's shape. */
    static Tensor add(Tensor x, Tensor y) {
        DType dtype = TypePromotion.resultType(x, y);
        Tensor a = x.to(dtype), b = y.to(dtype);
        Tensor out = broadcast("add", BinaryFn.ADD, a, b);
        return record("add", out, (g, needs) -> new Tensor[] {
                needs[0] ? g.sumTo(a.shapeRef()) : null,
                needs[1] ? g.sumTo(b.shapeRef()) : null}, t -> sumOfTerms(out,
                t[0], t[1]), a, b);
    }

    /** a - b. dA = g, dB = -g. */
    static Tensor sub(Tensor x, Tensor y) {
        DType dtype = TypePromotion.resultType(x, y);
        Tensor a = x.to(dtype), b = y.to(dtype);
        Tensor out = broadcast("sub", BinaryFn.SUB, a, b);
        return record("sub", out, (g, needs) -> new Tensor[] {
                needs[0] ? g.sumTo(a.shapeRef()) : null,
                needs[1] ? g.neg().sumTo(b.shapeRef()) : null}, t -> sumOfTerms(out,
                t[0], t[1] == null ? null : t[1].neg()), a, b);
    }

    /** a · b. dA = g·b, dB = g·a. */
    static Tensor mul(Tensor x, Tensor y) {
        DType dtype = TypePromotion.resultType(x, y);
        Tensor a = x.to(dtype), b = y.to(dtype);
        Tensor out = broadcast("mul", BinaryFn.MUL, a, b);
        return record("mul", out, (g, needs) -> new Tensor[] {
                needs[0] ? g.mul(b).sumTo(a.shapeRef()) : null,
                needs[1] ? g.mul(a).sumTo(b.shapeRef()) : null}, t -> sumOfTerms(out,
                t[0] == null ? null : t[0].mul(b), t[1] == null ? null : a.mul(t[1])), a, b);
    }

    /** a / b. dA = g/b, dB = -g·a/b². */
    static Tensor div(Tensor x, Tensor y) {
        DType dtype = TypePromotion.floatResultType(x, y); // true division: int32 / int32 is float32

        Tensor a = x.to(dtype), b = y.to(dtype);
        Tensor out = broadcast("div", BinaryFn.DIV, a, b);
        return record("div", out, (g, needs) -> new Tensor[] {
                needs[0] ? g.div(b).sumTo(a.shapeRef()) : null,
                needs[1] ? g.mul(a).div(b.mul(b)).neg().sumTo(b.shapeRef()) : null},
                t -> sumOfTerms(out, t[0] == null ? null : t[0].div(b), t[1] == null ? null : out.mul(t[1]).div(b).neg()),
                a, b);
    }

    /** scale·x + shift. dX = g·scale. */
    static Tensor affine(Tensor input, double scale, double shift) {
        Tensor x = input.to(TypePromotion.withDoubleScalar(input)); // a double scalar makes int32 and bool float32
        Tensor out = x.constant(UnaryFn.AFFINE, scale, shift);
        return record(scale == 1 ? "add" : shift == 0 ? "mul" : "affine", out,
                (g, needs) -> new Tensor[] {scale == 1 ? g : g.mul(scale)}, t -> scale == 1 ? t[0] : t[0].mul(scale), x);
    }

    /** max(a, b) element-wise, broadcasting. dA = g·s, dB = g·(1 - s), s = 1 where a &gt; b, ½ where a = b, else 0. */
    static Tensor maximum(Tensor x, Tensor y) {
        DType dtype = TypePromotion.resultType(x, y);
        Tensor a = x.to(dtype), b = y.to(dtype);
        Tensor out = broadcast("maximum", BinaryFn.MAX, a, b);
        return record("maximum", out, (g, needs) -> {
            Tensor share = broadcast("maximum", BinaryFn.MAX_SHARE, a, b);
            return new Tensor[] {
                    needs[0] ? g.mul(share).sumTo(a.shapeRef()) : null,
                    needs[1] ? g.mul(share.constant(UnaryFn.AFFINE, -1, 1)).sumTo(b.shapeRef()) : null};
        }, t -> selected(out, broadcast("maximum", BinaryFn.MAX_SHARE, a, b), t), a, b);
    }

    /** min(a, b) element-wise, broadcasting. dA = g·s, dB = g·(1 - s), s = 1 where a &lt; b, ½ where a = b, else 0. */
    static Tensor minimum(Tensor x, Tensor y) {
        DType dtype = TypePromotion.resultType(x, y);
        Tensor a = x.to(dtype), b = y.to(dtype);
        Tensor out = broadcast("minimum", BinaryFn.MIN, a, b);
        return record("minimum", out, (g, needs) -> {
            Tensor share = broadcast("minimum", BinaryFn.MAX_SHARE, b, a);
            return new Tensor[] {
                    needs[0] ? g.mul(share).sumTo(a.shapeRef()) : null,
                    needs[1] ? g.mul(share.constant(UnaryFn.AFFINE, -1, 1)).sumTo(b.shapeRef()) : null};
        }, t -> selected(out, broadcast("minimum", BinaryFn.MAX_SHARE, b, a), t), a, b);
    }

    /**
     * a where mask is true (1), b where it is false (0), all three broadcast; composed from {@link #keep}. The mask
     * is a bool tensor, or a float one of 0s and 1s. dA, dB = g where taken; the mask gets no gradient.
     */
    static Tensor where(Tensor mask, Tensor x, Tensor y) {
        DType dtype = TypePromotion.resultType(x, y);
        Tensor a = x.to(dtype), b = y.to(dtype);
        Tensor m = checkMask("where", mask, dtype);
        Shape.broadcast("where", Shape.broadcast("where", m.shapeRef(), a.shapeRef()), b.shapeRef());
        Tensor notM = m.constant(UnaryFn.AFFINE, -1, 1);
        if (!dtype.isFloatingPoint()) { // int32 or bool values: nothing to record, and bool takes no add
            return constant(BinaryFn.ADD, constant(BinaryFn.KEEP, a, m), constant(BinaryFn.KEEP, b, notM));
        }
        return keep(a, m).add(keep(b, notM));
    }

    /**
     * value where mask is true (1), x where it is false (0); the mask (bool, or float 0/1) broadcasts to x's shape.
     * dX = g where mask = 0, else 0. An infinite value (-∞ at masked attention scores) is deliberate, so anomaly
     * mode checks only the values kept from x (keep's output) and not the filled ones.
     */
    static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        Tensor m = checkMask("maskedFill", mask, x.dtype());
        if (!Shape.broadcastsTo(m.shapeRef(), x.shapeRef())) {
            throw new IllegalArgumentException("maskedFill: mask " + Shape.str(m.shapeRef()) + " cannot be broadcast "
                    + "to the input's shape " + Shape.str(x.shapeRef()));
        }
        Tensor fill = broadcast("maskedFill", BinaryFn.KEEP, Tensor.scalar(x.dtype(), value), m);
        if (!x.dtype().isFloatingPoint()) { // int32 or bool: nothing to record (the value converted as to(dtype))
            return where(m, fill, x);
        }
        Tensor kept = keep(x, m.constant(UnaryFn.AFFINE, -1, 1));
        if (!Double.isInfinite(value)) {
            return kept.add(fill);
        }
        Tensor out = broadcast("maskedFill", BinaryFn.ADD, kept, fill); // kept + a constant: the rule is the identity
        return Autograd.recordWithDeliberateInfinities("maskedFill", out, (g, needs) -> new Tensor[] {g},
                t -> t[0], kept);
    }

    /**
     * x where mask = 1, 0 where mask = 0, broadcasting: a selection, not a product, so an infinity or NaN that the
     * mask drops gives 0. The primitive of where and maskedFill. dX = keep(g, mask) summed to x's shape.
     */
    static Tensor keep(Tensor x, Tensor mask) {
        Tensor out = broadcast("where", BinaryFn.KEEP, x, mask);
        return record("where", out, (g, needs) -> new Tensor[] {keep(g, mask).sumTo(x.shapeRef())},
                t -> keep(t[0], mask), x);
    }

    /** The tangent of a two-input op: the sum of its terms (null = zero), broadcast to the output's shape. */
    private static Tensor sumOfTerms(Tensor out, Tensor a, Tensor b) {
        Tensor sum = a == null ? b : b == null ? a : a.add(b);
        return sum.expand(out.shapeRef());
    }

    /** The tangent of maximum/minimum: {@code share·ta + (1 - share)·tb}, where share is a's part of the output. */
    private static Tensor selected(Tensor out, Tensor share, Tensor[] t) {
        return sumOfTerms(out, t[0] == null ? null : t[0].mul(share),
                t[1] == null ? null : t[1].mul(share.constant(UnaryFn.AFFINE, -1, 1)));
    }

    /**
     * The mask as a constant in {@code dtype}: a bool mask as it is, a float (or int32) one after checking that it
     * holds only 0s and 1s.
     */
    private static Tensor checkMask(String op, Tensor mask, DType dtype) {
        if (mask.dtype() != DType.BOOL) {
            double[] v = mask.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                if (v[i] != 0 && v[i] != 1) {
                    throw new IllegalArgumentException(op + ": the mask " + Shape.str(mask.shapeRef()) + " holds "
                            + v[i] + " at element " + i + "; a mask is a bool tensor, or a " + mask.dtype()
                            + " tensor of 0s and 1s only (1 selects); make one with a comparison such as x.gt(0)");
                }
            }
        }
        return mask.detach().to(dtype);
    }

    /** fn of a and b element-wise with broadcasting, not recorded: the masks and shares of backward rules. */
    static Tensor constant(BinaryFn fn, Tensor a, Tensor b) {
        return broadcast(fn.name().toLowerCase(java.util.Locale.ROOT), fn, a, b);
    }

    private static Tensor broadcast(String op, BinaryFn fn, Tensor a, Tensor b) {
        a.checkSameDtype(op, b);
        int[] shape = Shape.broadcast(op, a.shapeRef(), b.shapeRef());
        Tensor out = Tensor.uninitializedOutput(a.dtype(), shape);
        // Inputs are read where they lie, views included: broadcast dimensions get stride 0.
        a.dtype().kernels().zip(fn, a.storageMatrix(), a.offset(),
                Shape.expandedStrides(a.shapeRef(), a.stridesRef(), shape), b.storageMatrix(),
                b.offset(), Shape.expandedStrides(b.shapeRef(), b.stridesRef(), shape), out.matrix(), 0,
                out.stridesRef(), shape);
        return out;
    }
}
