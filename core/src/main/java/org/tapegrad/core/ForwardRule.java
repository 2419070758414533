package org.tapegrad.core;

/**
 * The forward-mode step of one op, beside its {@link BackwardRule}: given the tangent of each input (same order,
 * same shapes; null for an input whose tangent is zero, at least one is not null), it returns the tangent of the
 * output, the Jacobian-vector product {@code J·v = Σᵢ (∂out/∂inᵢ)·vᵢ}. Written in {@link Tensor} operations; the
 * engine evaluates it with tangent propagation switched off, so its cost is a small constant times the op's own.
 */
@FunctionalInterface
interface ForwardRule {
    /** The output's tangent given the inputs' tangents ({@code null} = zero). */
    Tensor apply(Tensor[] tangents);

    /**
     * The rule of an op whose Jacobian is symmetric: element-wise ops (a diagonal Jacobian) and softmax
     * ({@code diag(y) - y·yᵀ} per row). Then {@code J·v = Jᵀ·v}, so the backward rule applied to the tangent is the
     * forward rule, exactly. Only for one-input ops.
     */
    static ForwardRule selfAdjoint(BackwardRule rule) {
        return t -> rule.apply(t[0], ONE_INPUT)[0];
    }

    /** The sum of the terms that are not null (null when all are: a zero tangent). */
    static Tensor sum(Tensor... terms) {
        Tensor total = null;
        for (Tensor term : terms) {
            if (term != null) {
                total = total == null ? term : total.add(term);
            }
        }
        return total;
    }

    /** {@code needs} for a one-input backward rule. */
    boolean[] ONE_INPUT = {true};
}
