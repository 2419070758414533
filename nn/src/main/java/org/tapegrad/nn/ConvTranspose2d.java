package org.tapegrad.nn;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * 2-D transposed convolution layer ({@link Tensor#convTranspose2d}): the adjoint of a convolution in its input,
 * used to upsample. Weight [in, out/groups, kH, kW] and bias [out], PyTorch's layout and names. Output size
 * {@code (H-1)·sH - 2pH + dH·(kH-1) + opH + 1} (likewise W). Default initialisation as PyTorch: kaiming uniform
 * with a = √5 on the weight, whose fan-in PyTorch computes as {@code size(1)·kH·kW = out/groups·kH·kW}, and
 * b ~ U(-1/√fanIn, 1/√fanIn).
 */
public class ConvTranspose2d extends Layer {
    private final int inChannels;
    private final int outChannels;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] outputPadding;
    private final int[] dilation;
    private final int groups;
    private final Tensor weight;
    private final Tensor bias;

    /** A k x k transposed convolution with the given stride and padding, no output padding, and a bias. */
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride, int padding,
            RandomGenerator rng) {
        this(inChannels, outChannels, new int[] {kernelSize, kernelSize}, new int[] {stride, stride},
                new int[] {padding, padding}, new int[] {0, 0}, new int[] {1, 1}, 1, true, rng, DType.FLOAT32);
    }

    /** Every option of PyTorch's {@code nn.ConvTranspose2d}, pairs given as {height, width}. */
    public ConvTranspose2d(int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding,
            int[] outputPadding, int[] dilation, int groups, boolean bias, RandomGenerator rng, DType dtype) {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0
                || outChannels % groups != 0) {
            throw new IllegalArgumentException("ConvTranspose2d: in channels " + inChannels + " and out channels "
                    + outChannels + " must be positive and divisible by groups = " + groups);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = Conv2d.pair("ConvTranspose2d: kernel", kernel, 1);
        this.stride = Conv2d.pair("ConvTranspose2d: stride", stride, 1);
        this.padding = Conv2d.pair("ConvTranspose2d: padding", padding, 0);
        this.outputPadding = Conv2d.pair("ConvTranspose2d: output padding", outputPadding, 0);
        this.dilation = Conv2d.pair("ConvTranspose2d: dilation", dilation, 1);
        this.groups = groups;
        this.weight = registerParameter("weight", Init.kaimingUniform(
                Tensor.zeros(dtype, inChannels, outChannels / groups, kernel[0], kernel[1]), Math.sqrt(5),
                Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, rng));
        double bound = 1 / Math.sqrt(Init.fanIn(weight));
        this.bias = bias ? registerParameter("bias", Init.uniform(Tensor.zeros(dtype, outChannels), -bound, bound, rng))
                : null;
    }

    /** The weight [in, out/groups, kH, kW]. */
    public Tensor weight() {
        return weight;
    }

    /** The bias [out], or null. */
    public Tensor bias() {
        return bias;
    }

    /** {@code convTranspose2d(x, W, b)} for x [N, in, H, W]. */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 4 || input.size(1) != inChannels) {
            throw new IllegalArgumentException(this + ": expected input [N, " + inChannels + ", H, W], got "
                    + Arrays.toString(input.shape()));
        }
        try {
            return input.convTranspose2d(weight, bias, stride, padding, outputPadding, dilation, groups);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(this + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected String extraRepr() {
        return "in=" + inChannels + ", out=" + outChannels + ", kernel=" + Arrays.toString(kernel) + ", stride="
                + Arrays.toString(stride) + ", padding=" + Arrays.toString(padding)
                + (outputPadding[0] + outputPadding[1] > 0 ? ", outputPadding=" + Arrays.toString(outputPadding) : "")
                + (dilation[0] * dilation[1] > 1 ? ", dilation=" + Arrays.toString(dilation) : "")
                + (groups > 1 ? ", groups=" + groups : "") + ", bias=" + (bias != null);
    }
}
