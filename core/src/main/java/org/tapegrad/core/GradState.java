package org.tapegrad.core;

/** Per-thread autograd state: the recording tape, no-grad nesting and anomaly mode. One lookup per op. */
final class GradState {
    private static final ThreadLocal<GradState> CURRENT = ThreadLocal.withInitial(GradState::new);

    Tape tape;
    int noGradDepth;
    int anomalyDepth;

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
