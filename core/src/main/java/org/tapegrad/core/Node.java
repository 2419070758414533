package org.tapegrad.core;

import org.tapegrad.core.internal.kernel.Shape;

/** One recorded op on a {@link Tape}: its inputs, its output and its backward rule. Released after backward. */
final class Node {
    final String op;
    final Tape tape;
    /** Where the op was called from; captured only in anomaly mode. */
    final Throwable site;
    Tensor output;
    Tensor[] inputs;
    BackwardRule rule;
    /** During a reverse walk: the gradient of the output summed so far (see {@link Tape}), or null. */
    Tensor pending;
    /** {@link #pending} is a buffer the walk allocated, so it may add into it in place. */
    boolean pendingOwned;
    /** During a reverse walk: how many recorded ops of the tape take the output as an input. */
    int uses;
    /** The inputs' versions when recorded; a rule must not run on values changed in place since. */
    private final int[] versions;

    Node(String op, Tape tape, Tensor output, Tensor[] inputs, BackwardRule rule, Throwable site) {
        this.op = op;
        this.tape = tape;
        this.output = output;
        this.inputs = inputs;
        this.rule = rule;
        this.site = site;
        this.versions = new int[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            versions[i] = inputs[i].storage().version;
        }
    }

    void checkUnmodified() {
        if (output.isReleased()) {
            throw new IllegalStateException("backward of " + op + ": its output was computed during a Workspace step "
                    + "that has ended, and the storage it saved now serves later steps; run backward inside the step");
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].storage().version != versions[i]) {
                throw new IllegalStateException("backward of " + op + ": input " + i + " " + Shape.str(inputs[i].shape())
                        + " was modified in place after the op was recorded; its gradient would be wrong");
            }
        }
    }

    void release() {
        inputs = null;
        rule = null;
        pending = null;
    }
}
