package org.tapegrad.nn;

import java.util.Arrays;
import org.tapegrad.core.Tensor;

/**
 * Global average pooling: [N, C, H, W] to [N, C], {@code y[n, c] = Σ_{h,w} x[n, c, h, w] / (H·W)} (PyTorch's
 * {@code AdaptiveAvgPool2d(1)} followed by {@code Flatten()}). Composed from reshape and mean.
 */
public class GlobalAvgPool2d extends Layer {

    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("GlobalAvgPool2d: expected input [N, C, H, W], got "
                    + Arrays.toString(input.shape()));
        }
        return input.flatten(2).mean(2, false);
    }
}
