package org.tapegrad.core.internal.kernel;

/** Element-wise functions of two operands, applied by both dtypes' kernels with broadcasting. */
public enum BinaryFn {
    ADD, SUB, MUL, DIV,
    /** The larger (NaN if either is NaN, as PyTorch's maximum). */
    MAX,
    /** The smaller (NaN if either is NaN). */
    MIN,
    /** a's share of the gradient of max(a, b): 1 where a &gt; b, ½ where a = b (ties split evenly), else 0. */
    MAX_SHARE,
    /** 1 where a = b, else 0. */
    EQ,
    /** The comparisons: 1 where a ≠ b (NaN ≠ anything), a &lt; b, a ≤ b, a &gt; b, a ≥ b; else 0. */
    NE, LT, LE, GT, GE,
    /** a where b ≠ 0, else 0: a selection by a 0/1 mask b, not a product (an infinite a where b = 0 gives 0). */
    KEEP;

    double apply(double a, double b) {
        switch (this) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            case MAX: return Math.max(a, b);
            case MIN: return Math.min(a, b);
            case MAX_SHARE: return a > b ? 1 : a == b ? 0.5 : 0;
            case EQ: return a == b ? 1 : 0;
            case NE: return a != b ? 1 : 0;
            case LT: return a < b ? 1 : 0;
            case LE: return a <= b ? 1 : 0;
            case GT: return a > b ? 1 : 0;
            case GE: return a >= b ? 1 : 0;
            case KEEP: return b != 0 ? a : 0;
            default: throw new AssertionError(this);
        }
    }
}
