package org.tapegrad.core;

/** One recorded op on a {@link Tape}: its inputs, its output and its backward rule. Released after backward. */
final class Node {
    final String op;
    final Tape tape;
    /** Where the op was called from; captured only in anomaly mode. */
    final Throwable site;
    Tensor output;
    Tensor[] inputs;
    BackwardRule rule;

    Node(String op, Tape tape, Tensor output, Tensor[] inputs, BackwardRule rule, Throwable site) {
        this.op = op;
        this.tape = tape;
        this.output = output;
        this.inputs = inputs;
        this.rule = rule;
        this.site = site;
    }

    boolean released() {
        return rule == null;
    }

    void release() {
        inputs = null;
        rule = null;
    }
}
