package org.tapegrad.core;

/** Per-thread autograd state: the recording tape, no-grad nesting and anomaly mode. One lookup per op. */
final class GradState {
    private static final ThreadLocal<GradState> CURRENT = ThreadLocal.withInitial(GradState::new);

    Tape tape;
    int noGradDepth;
    int anomalyDepth;
    /** The node whose backward rule is running, so that anomalies inside a rule are blamed on it. */
    Node backwardNode;
    /** The workspace whose step is open on this thread: ops take their output storage from it. */
    Workspace workspace;
    /** The reverse walk's reusable bookkeeping ({@link Tape.Walk}); a walk in progress holds it. */
    Tape.Walk walk;
    /** Where a plain backward on this thread puts the gradients of the leaves it lists, instead of their grad. */
    LeafGradients leafGradients;
    /** The open forward-mode level ({@link ForwardAD}); null outside one, and while a forward rule runs. */
    ForwardAD.Level dualLevel;

    static GradState get() {
        return CURRENT.get();
    }

    boolean recording() {
        return tape != null && noGradDepth == 0;
    }

    boolean anomaly() {
        return anomalyDepth > 0;
    }

    /** A scope that runs {@code exit} when closed, once however often it is closed. */
    static Scope onClose(Runnable exit) {
        return new Scope() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    exit.run();
                }
            }
        };
    }
}
