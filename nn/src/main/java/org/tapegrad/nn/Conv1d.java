package org.tapegrad.nn;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * 1-D convolution on [N, in, L] inputs, PyTorch's {@code nn.Conv1d}: weight [out, in/groups, k] and bias [out]
 * (PyTorch's names and shapes, so its state dict loads as is), {@code y[n, o, t] = b[o] + Σ_{c,j} W[o, c, j] ·
 * x[n, c, t·s - p + j·d]}. Computed as a {@link Tensor#conv2d} of height 1: the input viewed as [N, in, 1, L] and the
 * weight as [out, in/groups, 1, k], so the gradients are conv2d's. Default initialisation as PyTorch: W and b ~
 * U(-1/√fanIn, 1/√fanIn) with {@code fanIn = in/groups·k}.
 */
public class Conv1d extends Layer {
    private final int inChannels;
    private final int outChannels;
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;
    private final Tensor weight;
    private final Tensor bias;

    /** A size-k convolution with stride 1, no padding, and a bias, initialised from {@code rng}. */
    public Conv1d(int inChannels, int outChannels, int kernelSize, RandomGenerator rng) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true, rng, DType.FLOAT32);
    }

    /**
     * Every option of PyTorch's {@code nn.Conv1d} (zero padding).
     *
     * @param groups in and out channels are split into this many independent convolutions; both must divide
     * @param dtype  of the parameters (float64 for gradient checks); the same draws as float32
     */
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation, int groups,
            boolean bias, RandomGenerator rng, DType dtype) {
        if (inChannels <= 0 || outChannels <= 0 || groups <= 0 || inChannels % groups != 0
                || outChannels % groups != 0) {
            throw new IllegalArgumentException("Conv1d: in channels " + inChannels + " and out channels " + outChannels
                    + " must be positive and divisible by groups = " + groups);
        }
        if (kernelSize < 1 || stride < 1 || padding < 0 || dilation < 1) {
            throw new IllegalArgumentException("Conv1d: expected kernel size, stride and dilation at least 1 and "
                    + "padding at least 0, got " + kernelSize + ", " + stride + ", " + dilation + " and " + padding);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.weight = registerParameter("weight", Init.kaimingUniform(
                Tensor.zeros(dtype, outChannels, inChannels / groups, kernelSize), Math.sqrt(5),
                Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, rng));
        double bound = 1 / Math.sqrt(Init.fanIn(weight));
        this.bias = bias ? registerParameter("bias", Init.uniform(Tensor.zeros(dtype, outChannels), -bound, bound, rng))
                : null;
    }

    /** The weight [out, in/groups, k]. */
    public Tensor weight() {
        return weight;
    }

    /** The bias [out], or null for a layer without one. */
    public Tensor bias() {
        return bias;
    }

    /** {@code conv1d(x, W, b)} for x [N, in, L]; output [N, out, L'] with L' = (L + 2p - d·(k-1) - 1)/s + 1. */
    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() != 3 || input.size(1) != inChannels) {
            throw new IllegalArgumentException(this + ": expected input [N, " + inChannels + ", L], got "
                    + Arrays.toString(input.shape()));
        }
        try {
            return conv1d(input, weight, bias, stride, padding, dilation, groups);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(this + ": " + e.getMessage(), e);
        }
    }

    /**
     * The functional form, {@code torch.nn.functional.conv1d}: x [N, C, L], weight [O, C/groups, k], bias [O] or
     * null (none modified).
     */
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation,
            int groups) {
        if (x.rank() != 3 || weight.rank() != 3) {
            throw new IllegalArgumentException("conv1d: expected input [N, C, L] and weight [O, C/groups, k], got "
                    + Arrays.toString(x.shape()) + " and " + Arrays.toString(weight.shape()));
        }
        return x.unsqueeze(2).conv2d(weight.unsqueeze(2), bias, new int[] {1, stride}, new int[] {0, padding},
                new int[] {1, dilation}, groups).squeeze(2);
    }

    @Override
    protected String extraRepr() {
        return "in=" + inChannels + ", out=" + outChannels + ", kernel=" + kernelSize + ", stride=" + stride
                + ", padding=" + padding + (dilation > 1 ? ", dilation=" + dilation : "")
                + (groups > 1 ? ", groups=" + groups : "") + ", bias=" + (bias != null);
    }
}
