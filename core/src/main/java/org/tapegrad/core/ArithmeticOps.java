package org.tapegrad.core;

import static org.tapegrad.core.Autograd.record;

/** Element-wise arithmetic of two tensors with broadcasting, and affine maps by scalars. */
final class ArithmeticOps {
    private ArithmeticOps() {
    }

    /** a + b. dA = g, dB = g, each summed back to its input's shape. */
    static Tensor add(Tensor a, Tensor b) {
        Tensor out = broadcast("add", BinaryFn.ADD, a, b);
        return record("add", out, (g, needs) -> new Tensor[] {
                needs[0] ? g.sumTo(a.shapeRef()) : null,
                needs[1] ? g.sumTo(b.shapeRef()) : null}, a, b);
    }

    /** a - b. dA = g, dB = -g. */
    static Tensor sub(Tensor a, Tensor b) {
        Tensor out = broadcast("sub", BinaryFn.SUB, a, b);
        return record("sub", out, (g, needs) -> new Tensor[] {
                needs[0] ? g.sumTo(a.shapeRef()) : null,
                needs[1] ? g.neg().sumTo(b.shapeRef()) : null}, a, b);
    }

    /** a · b. dA = g·b, dB = g·a. */
    static Tensor mul(Tensor a, Tensor b) {
        Tensor out = broadcast("mul", BinaryFn.MUL, a, b);
        return record("mul", out, (g, needs) -> new Tensor[] {
                needs[0] ? g.mul(b).sumTo(a.shapeRef()) : null,
                needs[1] ? g.mul(a).sumTo(b.shapeRef()) : null}, a, b);
    }

    /** a / b. dA = g/b, dB = -g·a/b². */
    static Tensor div(Tensor a, Tensor b) {
        Tensor out = broadcast("div", BinaryFn.DIV, a, b);
        return record("div", out, (g, needs) -> new Tensor[] {
                needs[0] ? g.div(b).sumTo(a.shapeRef()) : null,
                needs[1] ? g.mul(a).div(b.mul(b)).neg().sumTo(b.shapeRef()) : null}, a, b);
    }

    /** scale·x + shift. dX = g·scale. */
    static Tensor affine(Tensor x, double scale, double shift) {
        Tensor out = x.constant(UnaryFn.AFFINE, scale, shift);
        return record(scale == 1 ? "add" : shift == 0 ? "mul" : "affine", out,
                (g, needs) -> new Tensor[] {scale == 1 ? g : g.mul(scale)}, x);
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
