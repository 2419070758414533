package org.tapegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.tapegrad.core.Tensor;

/** Hyperparameter checks, with PyTorch's messages, and PyTorch's defaults. */
class ValidationTest {

    static void fails(String message, Executable e) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
    }

    @Test
    void sgd() {
        fails("Invalid learning rate: -0.1", () -> Sgd.Options.of(-0.1));
        fails("Invalid learning rate: NaN", () -> Sgd.Options.of(Double.NaN));
        fails("Invalid momentum value: -1.0", () -> Sgd.Options.of(0.1).withMomentum(-1));
        fails("Invalid weight_decay value: -0.5", () -> Sgd.Options.of(0.1).withWeightDecay(-0.5));
        fails("Nesterov momentum requires a momentum and zero dampening",
                () -> Sgd.Options.of(0.1).withNesterov(true));
        fails("Nesterov momentum requires a momentum and zero dampening",
                () -> new Sgd.Options(0.1, 0.9, 0.1, true, 0));
    }

    @Test
    void adamAndAdamW() {
        fails("Invalid learning rate: -0.1", () -> Adam.Options.of(-0.1));
        fails("Invalid epsilon value: -1.0E-8", () -> new Adam.Options(1e-3, 0.9, 0.999, -1e-8, 0, false));
        fails("Invalid beta parameter at index 0: 1.0", () -> Adam.Options.defaults().withBetas(1.0, 0.999));
        fails("Invalid beta parameter at index 1: -0.1", () -> Adam.Options.defaults().withBetas(0.9, -0.1));
        fails("Invalid weight_decay value: -0.01", () -> Adam.Options.defaults().withWeightDecay(-0.01));
        fails("Invalid beta parameter at index 0: 1.5", () -> AdamW.Options.defaults().withBetas(1.5, 0.999));
        fails("Invalid weight_decay value: -1.0", () -> AdamW.Options.defaults().withWeightDecay(-1));
    }

    @Test
    void rmsPropAndAdagrad() {
        fails("Invalid alpha value: -0.9", () -> RmsProp.Options.defaults().withAlpha(-0.9));
        fails("Invalid momentum value: -0.9", () -> RmsProp.Options.defaults().withMomentum(-0.9));
        fails("Invalid epsilon value: -1.0", () -> new RmsProp.Options(0.01, 0.99, -1, 0, 0, false));
        fails("Invalid lr_decay value: -0.1", () -> Adagrad.Options.defaults().withLrDecay(-0.1));
        fails("Invalid initial_accumulator_value value: -1.0",
                () -> Adagrad.Options.defaults().withInitialAccumulatorValue(-1));
        fails("Invalid weight_decay value: -2.0", () -> Adagrad.Options.defaults().withWeightDecay(-2));
        fails("Invalid epsilon value: -1.0E-10", () -> new Adagrad.Options(0.01, 0, 0, 0, -1e-10));
    }

    @Test
    void schedulesAndClipping() {
        Sgd opt = new Sgd(List.of(Tensor.zeros(1)), Sgd.Options.of(0.1));
        fails("Invalid learning rate: -1.0", () -> opt.paramGroups().get(0).setLr(-1));
        fails("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.",
                () -> new LinearLr(opt, 0, 1, 5));
        fails("Ending multiplicative factor expected to be between 0 and 1.", () -> new LinearLr(opt, 0.5, 2, 5));
        fails("Expected float between 0 and 1 pct_start, but got 1.5", () -> new OneCycleLr(opt, 1, 10, 1.5, 25, 1e4));
        fails("Factor should be < 1.0.", () -> ReduceLrOnPlateau.Options.defaults().withFactor(1.0));
        fails("StepLr: stepSize must be > 0, got 0", () -> new StepLr(opt, 0));
        fails("CosineAnnealingLr: tMax must be > 0, got 0", () -> new CosineAnnealingLr(opt, 0, 0));
        fails("Sequential Schedulers expects number of schedulers provided to be one more than the number of "
                + "milestone points, but got number of schedulers 2 and the number of milestones to be equal to 0",
                () -> new SequentialLr(opt, List.of(new StepLr(opt, 1), new StepLr(opt, 1)), new int[0]));
        Sgd other = new Sgd(List.of(Tensor.zeros(1)), Sgd.Options.of(0.1));
        fails("Sequential Schedulers expects all schedulers to belong to the same optimizer, but got scheduler at "
                + "index 1 to be different than the optimizer passed in.",
                () -> new SequentialLr(opt, List.of(new StepLr(opt, 1), new StepLr(other, 1)), new int[] {3}));
        fails("clipGradNorm: maxNorm must be a finite number >= 0, got -1.0",
                () -> GradClip.clipGradNorm(List.of(), -1));
        fails("clipGradValue: clipValue must be >= 0, got NaN", () -> GradClip.clipGradValue(List.of(), Double.NaN));
    }

    @Test
    void pyTorchDefaults() {
        assertEquals(new Sgd.Options(1e-3, 0, 0, false, 0), Sgd.Options.defaults());
        assertEquals(new Adam.Options(1e-3, 0.9, 0.999, 1e-8, 0, false), Adam.Options.defaults());
        assertEquals(new AdamW.Options(1e-3, 0.9, 0.999, 1e-8, 1e-2, false), AdamW.Options.defaults());
        assertEquals(new RmsProp.Options(1e-2, 0.99, 1e-8, 0, 0, false), RmsProp.Options.defaults());
        assertEquals(new Adagrad.Options(1e-2, 0, 0, 0, 1e-10), Adagrad.Options.defaults());
        assertEquals(new ReduceLrOnPlateau.Options(ReduceLrOnPlateau.Mode.MIN, 0.1, 10, 1e-4,
                ReduceLrOnPlateau.ThresholdMode.REL, 0, 0, 1e-8), ReduceLrOnPlateau.Options.defaults());
    }
}
