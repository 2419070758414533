package org.tapegrad.optim;

import java.util.Arrays;

/**
 * Decays each group's learning rate by {@code gamma} at each milestone epoch, as PyTorch's {@code MultiStepLR}:
 * {@code lr = base · gamma^(number of milestones <= epoch)} (a milestone given twice counts twice).
 */
public final class MultiStepLr extends LrScheduler {
    private final int[] milestones;
    private final double gamma;

    /** PyTorch's default gamma, 0.1. */
    public MultiStepLr(Optimizer<?> optimizer, int[] milestones) {
        this(optimizer, milestones, 0.1);
    }

    /**
     * @param optimizer  the optimizer whose groups' rates are set
     * @param milestones epochs at which to decay (any order)
     * @param gamma      the decay factor
     */
    public MultiStepLr(Optimizer<?> optimizer, int[] milestones, double gamma) {
        super(optimizer);
        this.milestones = milestones.clone();
        Arrays.sort(this.milestones);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double lrAt(double baseLr, int epoch) {
        int passed = 0;
        while (passed < milestones.length && milestones[passed] <= epoch) {
            passed++;
        }
        return baseLr * Math.pow(gamma, passed);
    }
}
