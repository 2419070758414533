package org.tapegrad.core;

/** Per-thread autograd state: the recording tape, no-grad nesting and anomaly mode. One lookup per op. */
final class GradState {
    private static final ThreadLocal<GradState> CURRENT = ThreadLocal.withInitial(GradState::new);

    Tape tape;
    int noGradDepth;
    int anomalyDepth;
    /** The node whose backward rule is running, so that anomalies inside a rule are blamed on it. */
    Node backwardNode;

    static GradState get() {
        return CURRENT.get();
    }

    boolean recording() {
        return tape != null && noGradDepth == 0;
    }

    boolean anomaly() {
        return anomalyDepth > 0;
    }
}
