package org.tapegrad.nn;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * 2-D convolution layer on [N, in, H, W] inputs, {@link Tensor#conv2d} with a learned weight
 * [out, in/groups, kH, kW] and bias [out] (PyTorch's layout and names, so a safetensors checkpoint of a PyTorch
 * {@code nn.Conv2d} loads as is). Default initialisation as PyTorch: W ~ kaiming uniform with a = √5, which is
 * U(-1/√fanIn, 1/√fanIn) with {@code fanIn = in/groups·kH·kW}, and b ~ U(-1/√fanIn, 1/√fanIn).
 *
 * <pre>{@code
 * jshell> new Conv2d(1, 16, 5, new java.util.Random(0)).call(Tensor.zeros(8, 1, 28, 28)).shape()
 * $1 ==> int[4] { 8, 16, 24, 24 }
 * }</pre>
 */
public class Conv2d extends Layer {
    private final int inChannels;
    private final int outChannels;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private final Tensor weight;
    private final Tensor bias;

    /** A k x k convolution with stride 1, no padding, and a bias, initialised from {@code rng}. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, RandomGenerator rng) {
        this(inChannels, outChannels, kernelSize, 1, 0, rng);
    }

    /** A k x k convolution with the given stride and padding in both dimensions, and a bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, RandomGenerator rng) {
        this(inChannels, outChannels, new int[] {kernelSize, kernelSize}, new int[] {stride, stride},
                new int[] {padding, padding}, new int[] {1, 1}, 1, true, rng, DType.FLOAT32);
    }

    /**
     * Every option of PyTorch's {@code nn.Conv2d} (zero padding), pairs given as {height, width}.
     *
     * @param groups in and out channels are split into this many independent convolutions; both must divide
     * @param dtype  of the parameters (float64 for gradient checks); the same draws as float32
     */
    public Conv2d(int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, int[] dilation,
            int groups, boolean bias, RandomGenerator rng, DType dtype) {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0
                || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv2d: in channels " + inChannels + " and out channels " + outChannels
                    + " must be positive and divisible by groups = " + groups);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = pair("Conv2d: kernel", kernel, 1);
        this.stride = pair("Conv2d: stride", stride, 1);
        this.padding = pair("Conv2d: padding", padding, 0);
        this.dilation = pair("Conv2d: dilation", dilation, 1);
        this.groups = groups;
        this.weight = registerParameter("weight", Init.kaimingUniform(
                Tensor.zeros(dtype, outChannels, inChannels / groups, kernel[0], kernel[1]), Math.sqrt(5),
                Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, rng));
        double bound = 1 / Math.sqrt(Init.fanIn(weight));
        this.bias = bias ? registerParameter("bias", Init.uniform(Tensor.zeros(dtype, outChannels), -bound, bound, rng))
                : null;
    }

    static int[] pair(String name, int[] v, int min) {
        if (v == null || v.length != 2 || v[0] < min || v[1] < min) {
            throw new IllegalArgumentException(name + " must be two values {height, width}, each at least " + min
                    + ", got " + Arrays.toString(v));
        }
        return v.clone();
    }

    /** The weight [out, in/groups, kH, kW]. */
    public Tensor weight() {
        return weight;
    }

    /** The bias [out], or null for a layer without one. */
    public Tensor bias() {
        return bias;
    }

    int[] stride() {
        return stride;
    }

    int[] padding() {
        return padding;
    }

    int[] dilation() {
        return dilation;
    }

    int groups() {
        return groups;
    }

    /** {@code conv2d(x, W, b)} for x [N, in, H, W]; output [N, out, OH, OW]. */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 4 || input.size(1) != inChannels) {
            throw new IllegalArgumentException(this + ": expected input [N, " + inChannels + ", H, W], got "
                    + Arrays.toString(input.shape()));
        }
        try {
            return input.conv2d(weight, bias, stride, padding, dilation, groups);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(this + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected String extraRepr() {
        return "in=" + inChannels + ", out=" + outChannels + ", kernel=" + Arrays.toString(kernel) + ", stride="
                + Arrays.toString(stride) + ", padding=" + Arrays.toString(padding)
                + (dilation[0] * dilation[1] > 1 ? ", dilation=" + Arrays.toString(dilation) : "")
                + (groups > 1 ? ", groups=" + groups : "") + ", bias=" + (bias != null);
    }
}
