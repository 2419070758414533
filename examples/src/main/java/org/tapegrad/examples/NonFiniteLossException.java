package org.tapegrad.examples;

import java.util.Locale;

/**
 * A training step's loss was NaN or infinite and the run was not asked to skip such steps ({@code --skip-nonfinite}):
 * the run stops instead of training on, and reporting, a diverged model.
 */
final class NonFiniteLossException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NonFiniteLossException(int epoch, int step, double loss) {
        super(String.format(Locale.ROOT, "epoch %d, step %d: the loss is %s, so training stopped (the learning rate "
                + "is often too large: try a smaller --lr; --skip-nonfinite skips such steps instead)", epoch, step,
                loss));
    }
}
