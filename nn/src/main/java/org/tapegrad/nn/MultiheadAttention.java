package org.tapegrad.nn;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * Multi-head scaled dot-product attention, PyTorch's {@code nn.MultiheadAttention(embed_dim, num_heads, dropout,
 * bias, batch_first=True)}: with {@code d = embedDim / numHeads} and, per head h,
 * {@code Q_h = query·W_qhᵀ + b_qh}, {@code K_h = key·W_khᵀ + b_kh}, {@code V_h = value·W_vhᵀ + b_vh},
 * <pre>
 *     A_h = softmax(Q_h·K_hᵀ/√d + masks)        [N, L, S], over the key positions S
 *     out = concat_h(dropout(A_h)·V_h)·W_oᵀ + b_o  [N, L, E]
 * </pre>
 * for query [N, L, E], key and value [N, S, E] (or [L, E] and [S, E] without a batch). The parameters have
 * PyTorch's names and shapes, so a PyTorch state dict loads unchanged: {@code in_proj_weight [3E, E]} (W_q, W_k, W_v
 * stacked), {@code in_proj_bias [3E]}, {@code out_proj.weight [E, E]}, {@code out_proj.bias [E]} ({@code out_proj}
 * is a {@link Linear}). Initialisation as PyTorch: {@code out_proj} is made first with a Linear's default
 * initialisation, then {@code in_proj_weight} is Xavier-uniform and both biases are zero.
 *
 * <p>Masks are bool tensors, <b>true meaning masked</b> as in PyTorch, or float tensors where 1.0 means masked and
 * 0.0 allowed (what {@link #causalMask} returns); a masked score becomes -∞ before the softmax. {@code keyPaddingMask} [N, S] masks key positions (padding)
 * for every query; {@code attnMask} [L, S] or [N·numHeads, L, S] masks pairs, e.g. {@link #causalMask}. PyTorch's
 * float (additive) masks are {@code attnBias}, of the same shapes, added to the scores (-∞ in it masks, as in
 * PyTorch). A query whose every key is masked has no softmax: its row is NaN, as in PyTorch; under
 * {@code Anomaly.detect()} the softmax reports it (masking itself is not an anomaly).
 *
 * <pre>{@code
 * var attention = new MultiheadAttention(64, 8, true, 0.1, rng);
 * var out = attention.forward(x, x, x, padding, MultiheadAttention.causalMask(x.size(1)), false).output();
 * }</pre>
 */
public final class MultiheadAttention extends Layer {
    private final int embedDim;
    private final int numHeads;
    private final double dropout;
    private final RandomGenerator rng;
    private final Tensor inProjWeight;
    private final Tensor inProjBias;
    private final Linear outProj;

    /**
     * What {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, boolean)} returns, as PyTorch's
     * {@code (attn_output, attn_output_weights)}.
     *
     * @param output  [N, L, E] ([L, E] for an unbatched query)
     * @param weights the attention weights averaged over the heads [N, L, S] (after dropout, as PyTorch's), or
     *                null when they were not asked for
     */
    public record Output(Tensor output, Tensor weights) {
        public Output {
            Objects.requireNonNull(output, "output");
        }
    }

    /** With biases and no dropout, float32, initialised from {@link Seed#random()}. */
    public MultiheadAttention(int embedDim, int numHeads) {
        this(embedDim, numHeads, Seed.random());
    }

    /** With biases and no dropout, float32, initialised from {@code rng}. */
    public MultiheadAttention(int embedDim, int numHeads, RandomGenerator rng) {
        this(embedDim, numHeads, true, 0, rng, DType.FLOAT32);
    }

    /** float32, initialised from {@code rng}, which also draws the dropout masks. */
    public MultiheadAttention(int embedDim, int numHeads, boolean bias, double dropout, RandomGenerator rng) {
        this(embedDim, numHeads, bias, dropout, rng, DType.FLOAT32);
    }

    /**
     * @param embedDim E, the size of each query, key and value vector and of the output
     * @param numHeads heads, dividing E: each attends with vectors of E/numHeads
     * @param bias     whether in_proj_bias and out_proj.bias exist
     * @param dropout  the probability of zeroing an attention weight in training, in [0, 1)
     * @param rng      initialises the parameters and draws the dropout masks
     * @param dtype    of the parameters (float64 for gradient checks)
     */
    public MultiheadAttention(int embedDim, int numHeads, boolean bias, double dropout, RandomGenerator rng,
            DType dtype) {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention: embedDim must be a positive multiple of numHeads, "
                    + "got embedDim " + embedDim + " and numHeads " + numHeads);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("MultiheadAttention: dropout must be in [0, 1), got " + dropout);
        }
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.dropout = dropout;
        this.rng = Objects.requireNonNull(rng, "rng");
        this.inProjWeight = registerParameter("in_proj_weight", Tensor.zeros(dtype, 3 * embedDim, embedDim));
        this.inProjBias = bias ? registerParameter("in_proj_bias", Tensor.zeros(dtype, 3 * embedDim)) : null;
        this.outProj = registerModule("out_proj", new Linear(embedDim, embedDim, bias, rng, dtype));
        Init.xavierUniform(inProjWeight, rng);
        if (bias) {
            Init.zeros(outProj.bias());
        }
    }

    /**
     * A causal mask [length, length] for {@code attnMask}: 1 (masked) where the key position comes after the query
     * position, so position t attends to positions 0 to t only (PyTorch's
     * {@code generate_square_subsequent_mask} as a boolean mask).
     */
    public static Tensor causalMask(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("causalMask: length must be >= 0, got " + length);
        }
        double[] m = new double[length * length];
        for (int i = 0; i < length; i++) {
            for (int j = i + 1; j < length; j++) {
                m[i * length + j] = 1;
            }
        }
        return Tensor.of(m, length, length);
    }

    /** in_proj_weight [3E, E]: W_q, W_k and W_v stacked. */
    public Tensor inProjWeight() {
        return inProjWeight;
    }

    /** in_proj_bias [3E], or null without biases. */
    public Tensor inProjBias() {
        return inProjBias;
    }

    /** out_proj, the output projection [E, E]. */
    public Linear outProj() {
        return outProj;
    }

    /** Self-attention without masks: {@code forward(x, x, x, null, null, false).output()}. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, input, input, null, null, false).output();
    }

    /**
     * For {@link #call(Tensor...)}: (query, key, value) or (query, key, value, keyPaddingMask) or (query, key,
     * value, keyPaddingMask, attnMask), masks possibly null; returns the output only.
     */
    @Override
    public Tensor forward(Tensor... inputs) {
        if (inputs.length == 1) {
            return forward(inputs[0]);
        }
        if (inputs.length < 3 || inputs.length > 5) {
            fail("MultiheadAttention takes query, key, value and optionally keyPaddingMask and attnMask, got "
                    + inputs.length + " inputs");
        }
        return forward(inputs[0], inputs[1], inputs[2], inputs.length > 3 ? inputs[3] : null,
                inputs.length > 4 ? inputs[4] : null, false).output();
    }

    /** {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, boolean)} without an additive mask. */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask,
            boolean needWeights) {
        return forward(query, key, value, keyPaddingMask, attnMask, null, needWeights);
    }

    /**
     * Attention of query [N, L, E] over key and value [N, S, E] (or [L, E] and [S, E] for one unbatched sequence).
     *
     * @param keyPaddingMask [N, S] ([S] unbatched), 1 where a key is padding, or null
     * @param attnMask       [L, S] or [N·numHeads, L, S], 1 where query l may not attend to key s, or null
     * @param attnBias       [L, S] or [N·numHeads, L, S] added to the scores (PyTorch's float attn_mask), or null
     * @param needWeights    also return the attention weights averaged over heads
     */
    public Output forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask,
            Tensor attnBias, boolean needWeights) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (query.rank() == 2) { // one sequence: a batch of one
            Tensor q = query.unsqueeze(0);
            Tensor k = key == query ? q : unbatched(key, "key");
            Tensor v = value == key ? k : unbatched(value, "value"); // self-attention stays recognisable
            Output out = forward(q, k, v, keyPaddingMask == null ? null : keyPaddingMask.unsqueeze(0), attnMask,
                    attnBias, needWeights);
            return new Output(out.output().squeeze(0), out.weights() == null ? null : out.weights().squeeze(0));
        }
        checkShapes(query, key, value);
        int n = query.size(0);
        int l = query.size(1);
        int s = key.size(1);
        int d = embedDim / numHeads;
        Tensor q;
        Tensor k;
        Tensor v;
        if (query == key && key == value) { // self-attention: one projection [N, L, 3E], then its thirds
            List<Tensor> qkv = Tensor.linear(query, inProjWeight, inProjBias).chunk(3, -1);
            q = qkv.get(0);
            k = qkv.get(1);
            v = qkv.get(2);
        } else {
            q = project(query, 0);
            k = project(key, 1);
            v = project(value, 2);
        }
        // [N, T, E] -> [N, H, T, d]: head h is columns h·d to (h+1)·d of each projection
        q = heads(q, n, l, d).mul(1 / Math.sqrt(d));
        k = heads(k, n, s, d);
        v = heads(v, n, s, d);
        Tensor scores = q.matmul(k.transpose(-1, -2)); // [N, H, L, S]
        if (attnBias != null) {
            Tensor bias = pairs(attnBias, "attnBias", n, l, s);
            Tensor minusInfinity = negativeInfinities(bias);
            scores = minusInfinity == null ? scores.add(bias)
                    : scores.add(bias.maskedFill(minusInfinity, 0)).maskedFill(minusInfinity, Double.NEGATIVE_INFINITY);
        }
        if (attnMask != null) {
            scores = scores.maskedFill(pairs(attnMask, "attnMask", n, l, s), Double.NEGATIVE_INFINITY);
        }
        if (keyPaddingMask != null) {
            if (!Arrays.equals(keyPaddingMask.shape(), new int[] {n, s})) {
                fail("MultiheadAttention: keyPaddingMask must be [N, S] = [" + n + ", " + s + "], got "
                        + Arrays.toString(keyPaddingMask.shape()));
            }
            scores = scores.maskedFill(keyPaddingMask.reshape(n, 1, 1, s), Double.NEGATIVE_INFINITY);
        }
        Tensor weights = scores.softmax(-1);
        if (dropout > 0 && isTraining()) {
            weights = weights.dropout(dropout, true, rng);
        }
        Tensor heads = weights.matmul(v); // [N, H, L, d]
        Tensor output = outProj.call(heads.transpose(1, 2).reshape(n, l, embedDim));
        return new Output(output, needWeights ? weights.mean(1, false) : null);
    }

    /** x [N, T, E] projected by rows {@code part·E} to {@code (part+1)·E} of in_proj (q, k or v). */
    private Tensor project(Tensor x, int part) {
        return Tensor.linear(x, inProjWeight.narrow(0, part * embedDim, embedDim),
                inProjBias == null ? null : inProjBias.narrow(0, part * embedDim, embedDim));
    }

    /** [N, T, E] viewed as [N, T, H, d] and transposed to [N, H, T, d]. */
    private Tensor heads(Tensor x, int n, int t, int d) {
        return x.reshape(n, t, numHeads, d).transpose(1, 2);
    }

    /** A mask or bias [L, S] or [N·H, L, S] as [1, 1, L, S] or [N, H, L, S], to broadcast against the scores. */
    private Tensor pairs(Tensor mask, String name, int n, int l, int s) {
        if (Arrays.equals(mask.shape(), new int[] {l, s})) {
            return mask.reshape(1, 1, l, s);
        }
        if (Arrays.equals(mask.shape(), new int[] {n * numHeads, l, s})) {
            return mask.reshape(n, numHeads, l, s);
        }
        return fail("MultiheadAttention: " + name + " must be [L, S] = [" + l + ", " + s + "] or [N·numHeads, L, S] = ["
                + n * numHeads + ", " + l + ", " + s + "], got " + Arrays.toString(mask.shape()));
    }

    /** 1 where {@code bias} is -∞ and 0 elsewhere (a constant), or null when it has no -∞. */
    private static Tensor negativeInfinities(Tensor bias) {
        double[] values = bias.toDoubleArray();
        double[] mask = new double[values.length];
        boolean any = false;
        for (int i = 0; i < values.length; i++) {
            if (values[i] == Double.NEGATIVE_INFINITY) {
                mask[i] = 1;
                any = true;
            }
        }
        return any ? Tensor.of(mask, bias.shape()) : null;
    }

    private void checkShapes(Tensor query, Tensor key, Tensor value) {
        boolean ok = query.rank() == 3 && key.rank() == 3 && value.rank() == 3 && query.size(2) == embedDim
                && key.size(2) == embedDim && value.size(2) == embedDim && key.size(0) == query.size(0)
                && value.size(0) == query.size(0) && value.size(1) == key.size(1);
        if (!ok) {
            fail("MultiheadAttention: expected query [N, L, " + embedDim + "], key and value [N, S, " + embedDim
                    + "] (batch first), got query " + Arrays.toString(query.shape()) + ", key "
                    + Arrays.toString(key.shape()) + ", value " + Arrays.toString(value.shape()));
        }
    }

    private Tensor unbatched(Tensor x, String name) {
        if (x.rank() != 2) {
            fail("MultiheadAttention: an unbatched query [L, E] needs an unbatched " + name + " [S, E], got "
                    + Arrays.toString(x.shape()));
        }
        return x.unsqueeze(0);
    }

    private static Tensor fail(String message) {
        throw new IllegalArgumentException(message);
    }

    @Override
    protected String extraRepr() {
        return "embedDim=" + embedDim + ", numHeads=" + numHeads + ", dropout=" + dropout + ", bias="
                + (inProjBias != null);
    }
}
