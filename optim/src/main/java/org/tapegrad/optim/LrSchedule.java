package org.tapegrad.optim;

import org.tapegrad.core.io.StateDict;

/**
 * Anything that sets the learning rates of an optimizer's parameter groups over training: the epoch-driven
 * {@link LrScheduler}s, {@link SequentialLr}, and the metric-driven {@link ReduceLrOnPlateau}.
 */
public interface LrSchedule {

    /** The optimizer whose groups' learning rates this schedule sets. */
    Optimizer<?> optimizer();

    /** How many times {@code step} has been called (0 right after construction). */
    int lastEpoch();

    /** The learning rate of each parameter group as last set or seen by this schedule (a copy). */
    double[] lastLr();

    /** The schedule's progress (counters, best metric), for a checkpoint; its settings come from its constructor. */
    StateDict stateDict();

    /** Restores progress saved by {@link #stateDict()}; does not change the optimizer (load its own state). */
    void loadStateDict(StateDict state);
}
