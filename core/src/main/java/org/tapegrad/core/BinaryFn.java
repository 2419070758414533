package org.tapegrad.core;

/** Element-wise functions of two operands, applied by both dtypes' kernels with broadcasting. */
enum BinaryFn {
    ADD, SUB, MUL, DIV;

    double apply(double a, double b) {
        switch (this) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            default: throw new AssertionError(this);
        }
    }
}
