package org.tapegrad.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.tapegrad.core.DType;
import org.tapegrad.core.ForwardAD;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.Recurrence;
import org.tapegrad.core.Tensor;

/**
 * A recurrent network unrolled over a sequence: {@link Rnn}, {@link Lstm}, {@link Gru}, with PyTorch's parameter
 * names and layouts ({@code nn.RNN}, {@code nn.LSTM}, {@code nn.GRU} with {@code batch_first=True}). Input
 * {@code [batch, time, inputSize]}; {@code numLayers} stacked layers, layer k reading layer k-1's hidden states.
 * A bidirectional layer also runs the sequence backwards with parameters of its own (suffix {@code _reverse}) and
 * outputs both directions' hidden states side by side, [batch, time, 2·hidden]; states are then
 * [2·numLayers, batch, hidden], layer l's forward direction at 2l and its reverse at 2l + 1, as in PyTorch. With
 * {@code dropout} p &gt; 0, in training, each layer's output but the last's is dropped out with probability p.
 * Parameters per layer k: {@code weight_ih_lk [G·hidden, in_k]}, {@code weight_hh_lk [G·hidden, hidden]},
 * {@code bias_ih_lk}, {@code bias_hh_lk [G·hidden]} (G = 1, 4 or 3 gate blocks; {@code in_0 = inputSize},
 * otherwise hidden), registered and initialised from U(-1/√hidden, 1/√hidden) in that order, so weights map onto
 * PyTorch's one to one.
 *
 * <pre>{@code
 * jshell> var lstm = new Lstm(28, 128, new java.util.Random(0));
 * jshell> var x = Tensor.zeros(32, 28, 28);               // [batch, time, features]
 * jshell> RecurrentOutput out = lstm.forward(x, null);   // null: zero initial state
 * jshell> out.output().shape()                           // [32, 28, 128]: the hidden state at every step
 * jshell> out.state().h().shape()                        // [1, 32, 128]: the last step's, per layer
 * }</pre>
 *
 * <p>Each layer runs as one fused op, {@link Recurrence} (libtorch's way: one input-projection product, one
 * recurrent product and one element-wise gate pass per step, and the mirror image in backward). With
 * {@link #fused fused(false)}, while a step hook is registered, and inside a forward-mode dual level, the loop is
 * instead composed from core ops and recorded on the tape like any other computation, so that gradients of
 * gradients and forward mode work and hooks see each step; backward is backpropagation through time either way,
 * with the same equations. In the composed form, per layer, the input projection {@code x·W_ihᵀ + b_ih} of the whole sequence is one
 * product, [batch·time, G·hidden]; each step reads its slice of it as a view ({@code select}), adds
 * {@code h·W_hhᵀ + b_hh} and reads the gates as views ({@code chunk}), as PyTorch's LSTM does. In backward, the
 * gradients of the T slices add into one buffer of the projection's shape (and those of a step's gates into one of
 * the step's), so backward time and memory grow linearly in the sequence length, and the input's gradient (an
 * embedding's, say) is one product. Between stacked layers, the hidden states of all steps are joined into the next
 * layer's input sequence.
 *
 * <p>For truncated backpropagation through time, feed a long sequence in chunks and carry
 * {@link RecurrentState#detach()} of each chunk's final state into the next (see {@link RecurrentState}).
 * {@link #registerStepHook} sees every step's hidden state (the gradient monitor uses it to measure how far back
 * the gradient reaches). Layer hooks run for {@link #call(Tensor)}, which returns the output only.
 */
public abstract sealed class RecurrentLayer extends Layer permits Rnn, Lstm, Gru {
    final CellKind kind;
    private final int inputSize;
    private final int hiddenSize;
    private final int numLayers;
    /** 1, or 2 for a bidirectional layer; the parameters and states of layer l, direction d are at l·directions + d. */
    private final int directions;
    private final double dropout;
    private final RandomGenerator dropoutRng;
    private final Tensor[] weightIh;
    private final Tensor[] weightHh;
    private final Tensor[] biasIh;
    private final Tensor[] biasHh;
    /** Null while no step hook is registered. */
    private List<StepHook> stepHooks;
    private boolean fused = true;

    RecurrentLayer(CellKind kind, int inputSize, int hiddenSize, int numLayers, boolean bias, double dropout,
            boolean bidirectional, RandomGenerator rng, DType dtype) {
        String owner = getClass().getSimpleName();
        if (inputSize <= 0 || hiddenSize <= 0) {
            throw new IllegalArgumentException(owner + ": input and hidden sizes must be positive, got " + inputSize
                    + " and " + hiddenSize);
        }
        if (numLayers <= 0) {
            throw new IllegalArgumentException(owner + ": numLayers must be at least 1, got " + numLayers);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException(owner + ": dropout must be in [0, 1), got " + dropout);
        }
        Objects.requireNonNull(rng, "rng");
        Objects.requireNonNull(dtype, "dtype");
        this.kind = kind;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.directions = bidirectional ? 2 : 1;
        this.dropout = dropout;
        this.dropoutRng = rng;
        int count = numLayers * directions;
        weightIh = new Tensor[count];
        weightHh = new Tensor[count];
        biasIh = new Tensor[count];
        biasHh = new Tensor[count];
        int rows = kind.gates * hiddenSize;
        double k = 1 / Math.sqrt(hiddenSize);
        for (int l = 0; l < numLayers; l++) {
            int in = l == 0 ? inputSize : hiddenSize * directions;
            for (int d = 0; d < directions; d++) {
                int i = l * directions + d;
                String suffix = l + (d == 1 ? "_reverse" : "");
                weightIh[i] = registerParameter("weight_ih_l" + suffix,
                        Init.uniform(Tensor.zeros(dtype, rows, in), -k, k, rng));
                weightHh[i] = registerParameter("weight_hh_l" + suffix,
                        Init.uniform(Tensor.zeros(dtype, rows, hiddenSize), -k, k, rng));
                if (bias) {
                    biasIh[i] = registerParameter("bias_ih_l" + suffix,
                            Init.uniform(Tensor.zeros(dtype, rows), -k, k, rng));
                    biasHh[i] = registerParameter("bias_hh_l" + suffix,
                            Init.uniform(Tensor.zeros(dtype, rows), -k, k, rng));
                }
            }
        }
    }

    /**
     * Chooses how {@link #forward(Tensor, RecurrentState)} runs each layer: as one fused op ({@link Recurrence}, the
     * default; see docs/PERFORMANCE.md for its speed) or composed step by step from core ops, which is needed for gradients of
     * gradients ({@code Autograd.gradWithGraph}), which the fused op refuses. The results agree to rounding.
     *
     * @return this layer
     */
    public RecurrentLayer fused(boolean on) {
        this.fused = on;
        return this;
    }

    /** Whether layers run as one fused op when no step hook is registered and no dual level is active. */
    public boolean isFused() {
        return fused;
    }

    /** Called with the hidden state of every layer at every step, while the sequence is computed. */
    @FunctionalInterface
    public interface StepHook {
        /**
         * @param layer      the recurrent module
         * @param layerIndex the stacked layer, 0 for the one reading the input (for a bidirectional layer, the
         *                   index in the state: 2·layer, or 2·layer + 1 for the reverse direction)
         * @param step       the time step, 0 for the first (the reverse direction visits them from the last)
         * @param h          that layer's hidden state after the step, [batch, hidden] (do not modify; it may
         *                   require grad, and {@link Tensor#registerHook} on it sees {@code ∂L/∂h_step})
         */
        void apply(RecurrentLayer layer, int layerIndex, int step, Tensor h);
    }

    /** Registers a hook called with every step's hidden state in every later forward; the handle removes it. */
    public HookHandle registerStepHook(StepHook hook) {
        Objects.requireNonNull(hook, "hook");
        if (stepHooks == null) {
            stepHooks = new ArrayList<>(1);
        }
        List<StepHook> list = stepHooks;
        list.add(hook);
        return () -> {
            list.remove(hook);
            if (list.isEmpty() && stepHooks == list) {
                stepHooks = null;
            }
        };
    }

    /**
     * Runs the sequence.
     *
     * @param input   [batch, time, inputSize], batch first (not modified)
     * @param initial h (and, for an LSTM, c) [numLayers·numDirections, batch, hiddenSize]; null for zeros (not
     *                modified)
     * @return the last layer's hidden state at every step [batch, time, numDirections·hiddenSize] and each layer's
     *         (and direction's) final state
     */
    public RecurrentOutput forward(Tensor input, RecurrentState initial) {
        return forward(input, initial, weightIh, weightHh, biasIh, biasHh);
    }

    /**
     * {@link #forward(Tensor, RecurrentState)} with the given per-layer weights in place of the parameters (same
     * shapes), so that gradient checks can perturb them as inputs.
     */
    RecurrentOutput forward(Tensor input, RecurrentState initial, Tensor[] weightIh, Tensor[] weightHh,
            Tensor[] biasIh, Tensor[] biasHh) {
        String owner = getClass().getSimpleName();
        if (input.rank() != 3 || input.size(2) != inputSize) {
            throw new IllegalArgumentException(owner + ": expected input [batch, time, " + inputSize
                    + "] (batch first), got " + Arrays.toString(input.shape()));
        }
        int batch = input.size(0);
        int time = input.size(1);
        if (batch == 0 || time == 0) {
            throw new IllegalArgumentException(owner + ": the input " + Arrays.toString(input.shape())
                    + " is empty; expected at least one sequence of at least one step");
        }
        boolean fuse = fused && stepHooks == null && !ForwardAD.isActive();
        checkDtypes(owner, weightIh[0].dtype(), input.dtype());
        int states = numLayers * directions;
        // null: the fused op makes the zero state itself, in the step's Workspace
        RecurrentState start = fuse && initial == null ? null : checkState(owner, kind, initial, weightIh[0].dtype(),
                input.dtype(), new int[] {states, batch, hiddenSize});
        Tensor sequence = input;
        List<Tensor> finalH = new ArrayList<>(states);
        List<Tensor> finalC = new ArrayList<>(states);
        List<Tensor> both = new ArrayList<>(directions);
        for (int l = 0; l < numLayers; l++) {
            if (l > 0 && dropout > 0 && isTraining()) { // between layers, as PyTorch: not after the last
                sequence = sequence.dropout(dropout, true, dropoutRng);
            }
            both.clear();
            for (int d = 0; d < directions; d++) {
                int i = l * directions + d;
                Tensor h = start == null ? null : start.h().select(0, i);
                Tensor c = start == null || start.c() == null ? null : start.c().select(0, i);
                Tensor in = d == 0 ? sequence : sequence.flip(1); // the reverse direction reads the steps backwards
                RecurrentState last;
                Tensor out;
                if (fuse) {
                    Recurrence.Result r = Recurrence.run(kind.fusedCell, in, h, c, weightIh[i], weightHh[i],
                            biasIh[i], biasHh[i]);
                    out = r.output();
                    last = new RecurrentState(r.h(), r.c());
                } else { // start is not null here: only the fused op makes its own zero state
                    List<Tensor> hs = new ArrayList<>(time);
                    last = composed(in, h, c, weightIh[i], weightHh[i], biasIh[i], biasHh[i], i, d, hs);
                    out = time == 1 ? hs.get(0) : Tensor.concat(hs, 1); // [batch, time, hidden]
                }
                finalH.add(last.h().unsqueeze(0));
                if (last.c() != null) {
                    finalC.add(last.c().unsqueeze(0));
                }
                both.add(d == 0 ? out : out.flip(1));
            }
            sequence = directions == 1 ? both.get(0) : Tensor.cat(both, 2); // [batch, time, directions·hidden]
        }
        return new RecurrentOutput(sequence, new RecurrentState(stack(finalH), finalC.isEmpty() ? null : stack(finalC)));
    }

    /**
     * The steps of layer-direction {@code i} composed from core ops (for direction {@code d} = 1, {@code in} is the
     * flipped sequence, so step t is time {@code T-1-t}, which step hooks are told); each step's h, unsqueezed to
     * [batch, 1, hidden], is added to {@code hs}. Returns the last step's state.
     */
    private RecurrentState composed(Tensor in, Tensor h, Tensor c, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh,
            int i, int d, List<Tensor> hs) {
        int batch = in.size(0);
        int time = in.size(1);
        Tensor projection = Tensor.linear(in.reshape(batch * time, in.size(2)), wIh, bIh)
                .view(batch, time, kind.gates * hiddenSize);
        for (int t = 0; t < time; t++) {
            RecurrentState s = kind.step(projection.select(1, t), h, c, wHh, bHh);
            h = s.h();
            c = s.c();
            List<StepHook> hooks = stepHooks;
            if (hooks != null) {
                for (StepHook hook : List.copyOf(hooks)) {
                    hook.apply(this, i, d == 0 ? t : time - 1 - t, h);
                }
            }
            hs.add(h.unsqueeze(1));
        }
        return new RecurrentState(h, c);
    }

    /** The last layer's hidden state at every step, [batch, time, hiddenSize], from a zero initial state. */
    @Override
    public Tensor forward(Tensor input) {
        return forward(input, null).output();
    }

    private static Tensor stack(List<Tensor> perLayer) {
        return perLayer.size() == 1 ? perLayer.get(0) : Tensor.concat(perLayer, 0);
    }

    /**
     * The state to start from: zeros of {@code shape} for null, otherwise {@code state} after checking its shapes
     * and dtypes, and that it has a cell state exactly when the cell is an LSTM.
     */
    static RecurrentState checkState(String owner, CellKind kind, RecurrentState state, DType paramDtype,
            DType inputDtype, int[] shape) {
        checkDtypes(owner, paramDtype, inputDtype);
        String expected = shape.length == 3 ? "[numLayers=" + shape[0] + ", batch=" + shape[1] + ", hidden="
                + shape[2] + "]" : "[batch=" + shape[0] + ", hidden=" + shape[1] + "]";
        if (state == null) {
            return new RecurrentState(Tensor.zeros(paramDtype, shape),
                    kind == CellKind.LSTM ? Tensor.zeros(paramDtype, shape) : null);
        }
        checkStatePart(owner, "h", state.h(), paramDtype, shape, expected);
        if (kind == CellKind.LSTM) {
            if (state.c() == null) {
                throw new IllegalArgumentException(owner + ": the initial state needs the cell state c " + expected
                        + " as well as h");
            }
            checkStatePart(owner, "c", state.c(), paramDtype, shape, expected);
        } else if (state.c() != null) {
            throw new IllegalArgumentException(owner + ": the initial state has a cell state c, but only an LSTM has "
                    + "one; pass RecurrentState.of(h)");
        }
        return state;
    }

    private static void checkDtypes(String owner, DType paramDtype, DType inputDtype) {
        if (inputDtype != paramDtype) {
            throw new IllegalArgumentException(owner + ": the input is " + inputDtype + " but the parameters are "
                    + paramDtype + "; convert one with to(DType)");
        }
    }

    private static void checkStatePart(String owner, String name, Tensor t, DType dtype, int[] shape,
            String expected) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(owner + ": the initial " + name + " must be " + expected + ", got "
                    + Arrays.toString(t.shape()));
        }
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(owner + ": the initial " + name + " is " + t.dtype()
                    + " but the parameters are " + dtype);
        }
    }

    /** Features of each input step. */
    public int inputSize() {
        return inputSize;
    }

    /** Features of the hidden state. */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** Number of stacked layers. */
    public int numLayers() {
        return numLayers;
    }

    /** 2 for a bidirectional layer, else 1. */
    public int numDirections() {
        return directions;
    }

    /** The probability of dropout between stacked layers in training (0: none). */
    public double dropout() {
        return dropout;
    }

    /** weight_ih_l{layer} [G·hidden, in] of the forward direction. */
    public Tensor weightIh(int layer) {
        return weightIh(layer, false);
    }

    /** weight_ih_l{layer} (or weight_ih_l{layer}_reverse) [G·hidden, in]. */
    public Tensor weightIh(int layer, boolean reverse) {
        return weightIh[index(layer, reverse)];
    }

    /** weight_hh_l{layer} [G·hidden, hidden] of the forward direction. */
    public Tensor weightHh(int layer) {
        return weightHh(layer, false);
    }

    /** weight_hh_l{layer} (or weight_hh_l{layer}_reverse) [G·hidden, hidden]. */
    public Tensor weightHh(int layer, boolean reverse) {
        return weightHh[index(layer, reverse)];
    }

    /** bias_ih_l{layer} [G·hidden] of the forward direction, or null without biases. */
    public Tensor biasIh(int layer) {
        return biasIh(layer, false);
    }

    /** bias_ih_l{layer} (or bias_ih_l{layer}_reverse) [G·hidden], or null without biases. */
    public Tensor biasIh(int layer, boolean reverse) {
        return biasIh[index(layer, reverse)];
    }

    /** bias_hh_l{layer} [G·hidden] of the forward direction, or null without biases. */
    public Tensor biasHh(int layer) {
        return biasHh(layer, false);
    }

    /** bias_hh_l{layer} (or bias_hh_l{layer}_reverse) [G·hidden], or null without biases. */
    public Tensor biasHh(int layer, boolean reverse) {
        return biasHh[index(layer, reverse)];
    }

    private int index(int layer, boolean reverse) {
        if (layer < 0 || layer >= numLayers) {
            throw new IndexOutOfBoundsException(getClass().getSimpleName() + ": layer " + layer + " is out of range "
                    + "for " + numLayers + " layers (expected 0 to " + (numLayers - 1) + ")");
        }
        if (reverse && directions == 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the layer is not bidirectional, so it "
                    + "has no reverse direction");
        }
        return layer * directions + (reverse ? 1 : 0);
    }

    @Override
    protected String extraRepr() {
        return "input=" + inputSize + ", hidden=" + hiddenSize + ", layers=" + numLayers + ", bias="
                + (biasIh[0] != null) + (dropout > 0 ? ", dropout=" + dropout : "")
                + (directions == 2 ? ", bidirectional=true" : "")
                + (kind == CellKind.RNN_RELU ? ", nonlinearity=relu" : kind == CellKind.RNN_TANH ? ", nonlinearity=tanh" : "");
    }
}
