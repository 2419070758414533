package org.tapegrad.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.tapegrad.core.Functional;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.Tensor;

/**
 * The gradient of each example's loss with respect to each parameter, what {@code torch.func}'s
 * {@code vmap(grad(loss))} gives, from one forward and one backward pass over the whole batch (no vmap): for a
 * layer used as {@code y = layer(x)}, the gradient of the batch's summed loss with respect to row n of y is
 * {@code g_n = ∂loss_n/∂y_n}, since no other example's loss depends on it, so each example's parameter gradient is an
 * outer product of what the layer saw and what came back:
 * <ul>
 *   <li>{@link Linear}, x [N, in], g [N, out]: {@code gW_n = g_nᵀ·x_n} [out, in], {@code gb_n = g_n} (for x
 *   [N, T, ..., in], the sums of those over the positions t of example n);</li>
 *   <li>{@link Conv2d}, x [N, C, H, W], g [N, O, OH, OW]: with {@code U_n} [C·kH·kW, OH·OW] the im2col patches of
 *       x_n (the layer's stride, padding and dilation), {@code gW_n = g_n·U_nᵀ} per group, {@code gb_n = Σ_{oh,ow}
 *       g_n}.</li>
 * </ul>
 * Inputs are captured with forward hooks and output gradients with tensor hooks, which are removed afterwards; a
 * layer called several times adds each call's outer products. This is how DP-SGD bounds each example's
 * influence ({@link #clipAndSum}).
 *
 * <p>The model must treat examples independently: every parameter that requires grad must belong to a
 * {@code Linear} or {@code Conv2d} (the layers between them may be any that work row by row, such as activations,
 * {@link Flatten}, pooling, dropout in eval mode), and a {@link BatchNorm} in training mode is refused, as it mixes
 * the examples of a batch. The layers must be run through {@link Layer#call} (as {@link Sequential} does), which
 * runs the hooks; a layer whose {@code forward} is called directly is not seen. Cost: one forward and one backward pass of the batch, plus the outer products (for a
 * {@code Conv2d}, one more convolution that unfolds its input).
 */
public final class PerSampleGradients {
    private PerSampleGradients() {
    }

    /**
     * Each example's parameter gradients.
     *
     * @param model          a model of {@link Linear} and {@link Conv2d} layers with examplewise layers between them
     *                       (not modified; no {@code grad()} is written)
     * @param inputs         the batch, examples along dimension 0 (not modified)
     * @param perExampleLoss maps the model's output [N, ...] to the losses [N], one per example (for example a loss
     *                       with {@link Reduction#NONE})
     * @return for every parameter that requires grad, by its dotted name in {@link Layer#namedParameters()} order,
     *         a tensor [N, ...the parameter's shape] of its dtype: entry n is the gradient of loss n
     * @throws IllegalArgumentException for a parameter outside a Linear or Conv2d, a BatchNorm in training mode, or
     *                                  losses that are not one per example
     */
    public static LinkedHashMap<String, Tensor> compute(Layer model, Tensor inputs, UnaryOperator<Tensor> perExampleLoss) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(perExampleLoss, "perExampleLoss");
        Map<Tensor, Layer> owner = supportedLayers(model);
        LinkedHashMap<String, Tensor> params = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            Tensor p = e.getValue();
            if (!p.requiresGrad()) {
                continue; // frozen: no gradient, as backward would give none
            }
            Layer layer = owner.get(p);
            if (layer == null) {
                throw new IllegalArgumentException("PerSampleGradients: parameter '" + e.getKey() + "' does not belong "
                        + "to a Linear or Conv2d layer; only their per-example gradients are known as outer products "
                        + "(freeze it with requiresGrad(false) to leave it out)");
            }
            params.put(e.getKey(), p);
        }
        for (Map.Entry<String, Layer> e : model.namedModules().entrySet()) {
            if (e.getValue() instanceof BatchNorm && e.getValue().isTraining()) {
                throw new IllegalArgumentException("PerSampleGradients: " + (e.getKey().isEmpty() ? "the model" : "'"
                        + e.getKey() + "'") + " is a BatchNorm in training mode, which mixes the examples of a "
                        + "batch, so no example has a gradient of its own; call eval() on it first");
            }
        }
        int n = inputs.size(0);
        Map<Layer, List<Call>> calls = new IdentityHashMap<>();
        List<HookHandle> handles = new ArrayList<>();
        try {
            Set<Layer> layers = Collections.newSetFromMap(new IdentityHashMap<>());
            layers.addAll(owner.values());
            for (Layer layer : layers) {
                handles.add(layer.registerForwardHook((module, input, output) -> {
                    Call call = new Call(input);
                    calls.computeIfAbsent(module, k -> new ArrayList<>()).add(call);
                    if (output.requiresGrad()) {
                        output.registerHook(g -> {
                            call.gradOutput = g;
                            return null;
                        });
                    }
                    return null;
                }));
            }
            Functional.vjp(in -> {
                Tensor losses = perExampleLoss.apply(model.call(in[0]));
                if (losses.rank() != 1 || losses.size(0) != n) {
                    throw new IllegalArgumentException("PerSampleGradients: perExampleLoss must give one loss per "
                            + "example, shape [" + n + "]; got " + Arrays.toString(losses.shape())
                            + " (use a loss with Reduction.NONE)");
                }
                return losses.sum(); // its gradient at row n of a layer's output is loss n's alone
            }, inputs);
        } finally {
            handles.forEach(HookHandle::remove);
        }
        LinkedHashMap<String, Tensor> result = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            Layer layer = owner.get(p);
            double[] sum = new double[n * p.numel()];
            for (Call call : calls.getOrDefault(layer, List.of())) {
                if (call.gradOutput == null) {
                    continue; // this call's output did not reach the loss
                }
                boolean isWeight = p == (layer instanceof Linear l ? l.weight() : ((Conv2d) layer).weight());
                if (layer instanceof Linear) {
                    linear(call, isWeight, n, sum);
                } else {
                    conv(call, (Conv2d) layer, isWeight, n, sum);
                }
            }
            int[] shape = new int[p.rank() + 1];
            shape[0] = n;
            System.arraycopy(p.shape(), 0, shape, 1, p.rank());
            result.put(e.getKey(), Tensor.of(p.dtype(), sum, shape));
        }
        return result;
    }

    /** One forward call of a layer: its input, and the gradient that came back to its output. */
    private static final class Call {
        final Tensor input;
        Tensor gradOutput;

        Call(Tensor input) {
            this.input = input;
        }
    }

    /** gW_n += g_nᵀ·x_n, gb_n += g_n. */
    private static void linear(Call call, boolean weight, int n, double[] sum) {
        if (call.input.rank() < 2 || call.input.size(0) != n) {
            throw new IllegalArgumentException("PerSampleGradients: a Linear layer got input "
                    + Arrays.toString(call.input.shape()) + "; expected the examples along its first dimension, ["
                    + n + ", ..., in]");
        }
        double[] x = call.input.toDoubleArray();
        double[] g = call.gradOutput.toDoubleArray();
        int in = call.input.size(-1);
        int out = call.gradOutput.size(-1);
        int rows = call.gradOutput.numel() / Math.max(1, n * out); // per example: 1 for [N, in], T for [N, T, in]
        for (int s = 0; s < n; s++) {
            for (int t = s * rows; t < (s + 1) * rows; t++) { // gW_n = Σ_t g_{n,t}ᵀ·x_{n,t}, gb_n = Σ_t g_{n,t}
                if (!weight) {
                    for (int o = 0; o < out; o++) {
                        sum[s * out + o] += g[t * out + o];
                    }
                    continue;
                }
                int base = s * out * in;
                for (int o = 0; o < out; o++) {
                    double go = g[t * out + o];
                    for (int i = 0; i < in; i++) {
                        sum[base + o * in + i] += go * x[t * in + i];
                    }
                }
            }
        }
    }

    /** gW_n += g_n·U_nᵀ per group, gb_n += Σ g_n over positions, with U_n the im2col patches of x_n. */
    private static void conv(Call call, Conv2d layer, boolean weight, int n, double[] sum) {
        double[] g = call.gradOutput.toDoubleArray();
        int[] gs = call.gradOutput.shape();
        int outChannels = gs[1];
        int positions = gs[2] * gs[3];
        if (!weight) {
            for (int s = 0; s < n; s++) {
                for (int o = 0; o < outChannels; o++) {
                    double b = 0;
                    for (int l = 0; l < positions; l++) {
                        b += g[(s * outChannels + o) * positions + l];
                    }
                    sum[s * outChannels + o] += b;
                }
            }
            return;
        }
        int[] ws = layer.weight().shape(); // [O, C/groups, kH, kW]
        int patch = ws[1] * ws[2] * ws[3];
        int groups = layer.groups();
        int outPerGroup = outChannels / groups;
        double[] u = unfold(call.input, ws[2], ws[3], layer).toDoubleArray(); // [N, C·kH·kW, OH, OW]
        int rows = groups * patch;
        for (int s = 0; s < n; s++) {
            for (int o = 0; o < outChannels; o++) {
                int group = o / outPerGroup;
                int gBase = (s * outChannels + o) * positions;
                int wBase = (s * outChannels + o) * patch;
                for (int k = 0; k < patch; k++) {
                    int uBase = (s * rows + group * patch + k) * positions;
                    double acc = 0;
                    for (int l = 0; l < positions; l++) {
                        acc += g[gBase + l] * u[uBase + l];
                    }
                    sum[wBase + k] += acc;
                }
            }
        }
    }

    /**
     * The im2col patches of x [N, C, H, W] as a convolution with one-hot kernels: output channel (c, i, j) picks
     * x[c] at kernel offset (i, j), so each output element is one input element (or padding), exactly.
     */
    private static Tensor unfold(Tensor x, int kh, int kw, Conv2d layer) {
        int c = x.size(1);
        int patch = c * kh * kw;
        double[] e = new double[patch * patch];
        for (int k = 0; k < patch; k++) {
            e[k * patch + k] = 1; // E[(c·kH + i)·kW + j, c, i, j] = 1
        }
        Tensor kernels = Tensor.of(x.dtype(), e, patch, c, kh, kw);
        return x.detach().conv2d(kernels, null, layer.stride(), layer.padding(), layer.dilation(), 1);
    }

    /** Each Linear's and Conv2d's parameters, mapped to their layer. */
    private static Map<Tensor, Layer> supportedLayers(Layer model) {
        Map<Tensor, Layer> owner = new IdentityHashMap<>();
        for (Layer layer : model.namedModules().values()) {
            Tensor w = layer instanceof Linear l ? l.weight() : layer instanceof Conv2d c ? c.weight() : null;
            Tensor b = layer instanceof Linear l ? l.bias() : layer instanceof Conv2d c ? c.bias() : null;
            if (w != null) {
                if (owner.containsKey(w)) {
                    throw new IllegalArgumentException("PerSampleGradients: a weight shared by two layers ("
                            + owner.get(w) + " and " + layer + ") is not supported");
                }
                owner.put(w, layer);
            }
            if (b != null) {
                owner.put(b, layer);
            }
        }
        return owner;
    }

    /**
     * The norm of each example's gradient over all parameters together, {@code ‖(gW_n, gb_n, ...)‖₂}.
     *
     * @param perSample as {@link #compute} returns it (not modified)
     */
    public static double[] norms(Map<String, Tensor> perSample) {
        double[] sq = null;
        for (Tensor t : perSample.values()) {
            int n = t.size(0);
            if (sq == null) {
                sq = new double[n];
            } else if (sq.length != n) {
                throw new IllegalArgumentException("PerSampleGradients.norms: the entries have " + sq.length + " and "
                        + n + " examples; expected one count");
            }
            double[] v = t.toDoubleArray();
            int per = v.length / n;
            for (int s = 0; s < n; s++) {
                for (int k = s * per; k < (s + 1) * per; k++) {
                    sq[s] += v[k] * v[k];
                }
            }
        }
        if (sq == null) {
            return new double[0];
        }
        for (int s = 0; s < sq.length; s++) {
            sq[s] = Math.sqrt(sq[s]);
        }
        return sq;
    }

    /**
     * DP-SGD's clipped sum (Abadi et al. 2016): each example's gradient scaled by {@code min(1, maxNorm/‖g_n‖)}, so
     * that its norm over all parameters is at most {@code maxNorm}, then summed over the examples. Noise and the
     * division by the batch size are left to the caller.
     *
     * @param perSample as {@link #compute} returns it (not modified)
     * @param maxNorm   the clipping bound C, positive
     * @return for each entry, the clipped sum, of the parameter's shape
     */
    public static LinkedHashMap<String, Tensor> clipAndSum(Map<String, Tensor> perSample, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("PerSampleGradients.clipAndSum: maxNorm must be positive and finite, got "
                    + maxNorm);
        }
        double[] norms = norms(perSample);
        LinkedHashMap<String, Tensor> result = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : perSample.entrySet()) {
            Tensor t = e.getValue();
            double[] v = t.toDoubleArray();
            int n = norms.length;
            int per = v.length / n;
            double[] out = new double[per];
            for (int s = 0; s < n; s++) {
                double scale = norms[s] > maxNorm ? maxNorm / norms[s] : 1;
                for (int k = 0; k < per; k++) {
                    out[k] += scale * v[s * per + k];
                }
            }
            result.put(e.getKey(), Tensor.of(t.dtype(), out, Arrays.copyOfRange(t.shape(), 1, t.rank())));
        }
        return result;
    }
}
