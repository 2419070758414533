package org.tapegrad.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.Scope;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Base class of every layer and model: a function {@link #forward} of one tensor plus the parameters, buffers and
 * child modules it owns. Everything is registered explicitly in the constructor (no reflection), which gives the
 * dotted names of {@link #namedParameters()} and {@link #stateDict()}:
 *
 * <pre>{@code
 * jshell> class Mlp extends Layer {
 *    ...>     final Sequential layers;
 *    ...>     Mlp() { layers = registerModule("layers", new Sequential(new Linear(4, 8), new Relu(), new Linear(8, 2))); }
 *    ...>     @Override public Tensor forward(Tensor x) { return layers.call(x); }
 *    ...> }
 * jshell> new Mlp().namedParameters().keySet()
 * [layers.0.weight, layers.0.bias, layers.2.weight, layers.2.bias]
 * }</pre>
 *
 * <p>Subclasses implement {@link #forward}; callers use {@link #call}, which also runs the hooks. With no hook
 * registered, {@code call} is {@code forward} after one null check.
 *
 * <p>PyTorch calls this class {@code Module}; here it is {@code Layer} because {@code java.lang.Module} is imported
 * into every Java file, so a {@code Module} of ours would be ambiguous under wildcard imports. The method names
 * ({@code registerModule}, {@code namedModules}, {@code children}) and their semantics are PyTorch's.
 */
public abstract class Layer {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Layer> modules = new LinkedHashMap<>();
    private boolean training = true;
    /** Null while no hook is registered: the whole cost of hooks on the plain call path is one null check. */
    private Hooks hooks;
    /** The output shape seen by the last {@link #summary(Tensor)} pass; null when unknown. */
    private int[] summaryOutputShape;

    /** Creates a module in training mode with nothing registered. */
    protected Layer() {
    }

    // ------------------------------------------------------------------------------------------- forward

    /**
     * The computation of this module. Implement it in subclasses; call {@link #call} instead of this method so that
     * hooks run.
     *
     * @param input the input (not modified)
     * @return the output, a new tensor (or {@code input} itself for an identity)
     */
    public abstract Tensor forward(Tensor input);

    /**
     * The computation of a layer with several inputs, e.g. attention's query, key, value and mask: such a layer
     * overrides this method (and implements {@link #forward(Tensor)} for its one-input use, or refuses it), and is
     * run with {@link #call(Tensor...)}. The default takes exactly one input and is {@code forward(inputs[0])}.
     *
     * @param inputs the inputs (not modified); which may be null (an absent mask, say) is the layer's to document
     * @return the output
     */
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " takes one input, got " + inputs.length
                    + "; a layer with several inputs overrides forward(Tensor...)");
        }
        return forward(inputs[0]);
    }

    /**
     * Runs the module: forward pre-hooks (each may replace the input), {@link #forward}, forward hooks (each may
     * replace the output), and, while recording with backward hooks registered, attaches those to the gradients of
     * the output and of the input. With no hooks this is {@code forward(input)}.
     *
     * @param input the input (not modified)
     * @return the output
     */
    public final Tensor call(Tensor input) {
        Hooks h = hooks;
        if (h == null) {
            return forward(input);
        }
        return callWithHooks(h, input, null);
    }

    /**
     * Runs a layer with several inputs ({@link #forward(Tensor...)}), with hooks as {@link #call(Tensor)}. The hooks
     * see the first input as the layer's input (the one it transforms, e.g. attention's query): pre-hooks may
     * replace it, and a backward hook's {@code gradInput} is its gradient; the other inputs pass unchanged. One
     * input is {@code call(inputs[0])}.
     *
     * @param inputs at least one; the first is not null
     * @return the output
     */
    public final Tensor call(Tensor... inputs) {
        if (inputs.length == 0 || inputs[0] == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ".call: "
                    + (inputs.length == 0 ? "no inputs" : "the first input is null"));
        }
        if (inputs.length == 1) {
            return call(inputs[0]);
        }
        Hooks h = hooks;
        if (h == null) {
            return forward(inputs);
        }
        return callWithHooks(h, inputs[0], inputs);
    }

    /** {@code call} with hooks; {@code all} holds every input of a several-input call (null for one input). */
    private Tensor callWithHooks(Hooks h, Tensor input, Tensor[] all) {
        for (ForwardPreHook pre : List.copyOf(h.pre)) {
            Tensor replaced = pre.apply(this, input);
            if (replaced != null) {
                input = replaced;
            }
        }
        BackwardCall backward = null;
        Tensor moduleInput = input;
        if (!h.backward.isEmpty() && Tape.isRecording()) {
            backward = new BackwardCall(this, List.copyOf(h.backward));
            if (input.requiresGrad()) {
                // An identity recorded on the tape: the gradient reaching it is this module's contribution alone,
                // not the sum over every other use of the input.
                moduleInput = input.mul(1);
                backward.watchInput(moduleInput);
            }
        }
        Tensor output;
        if (all == null) {
            output = forward(moduleInput);
        } else {
            Tensor[] inputs = all.clone();
            inputs[0] = moduleInput;
            output = forward(inputs);
        }
        for (ForwardHook post : List.copyOf(h.forward)) {
            Tensor replaced = post.apply(this, input, output);
            if (replaced != null) {
                output = replaced;
            }
        }
        if (backward != null && output.requiresGrad()) {
            backward.watchOutput(output);
        }
        return output;
    }

    // --------------------------------------------------------------------------------------------- hooks

    /** Called before {@link #forward}; returns a replacement input, or null to keep it. */
    @FunctionalInterface
    public interface ForwardPreHook {
        /**
         * @param module the module about to run
         * @param input  its input
         * @return the input to use instead, or null to keep {@code input}
         */
        Tensor apply(Layer module, Tensor input);
    }

    /** Called after {@link #forward}; returns a replacement output, or null to keep it. */
    @FunctionalInterface
    public interface ForwardHook {
        /**
         * @param module the module that ran
         * @param input  its input (after pre-hooks)
         * @param output its output (after earlier forward hooks)
         * @return the output to use instead, or null to keep {@code output}
         */
        Tensor apply(Layer module, Tensor input, Tensor output);
    }

    /**
     * Called during backward once the gradients with respect to the module's output and input of one call are
     * known; may return a replacement for the input gradient (same shape), or null to keep it.
     */
    @FunctionalInterface
    public interface BackwardHook {
        /**
         * @param module     the module
         * @param gradInput  d loss / d input through this module alone; null when the input needs no gradient
         * @param gradOutput d loss / d output
         * @return the input gradient to propagate instead, or null to keep {@code gradInput}
         */
        Tensor apply(Layer module, Tensor gradInput, Tensor gradOutput);
    }

    /** Registers a hook run before every {@link #call}'s forward; the handle removes it. */
    public HookHandle registerForwardPreHook(ForwardPreHook hook) {
        return addHook(hooks().pre, Objects.requireNonNull(hook, "hook"));
    }

    /** Registers a hook run after every {@link #call}'s forward; the handle removes it. */
    public HookHandle registerForwardHook(ForwardHook hook) {
        return addHook(hooks().forward, Objects.requireNonNull(hook, "hook"));
    }

    /**
     * Registers a hook run during backward with the gradients of each recorded {@link #call}'s output and input
     * (see {@link BackwardHook}); only calls made while {@link Tape#isRecording()} are seen. The handle removes it.
     */
    public HookHandle registerBackwardHook(BackwardHook hook) {
        return addHook(hooks().backward, Objects.requireNonNull(hook, "hook"));
    }

    private Hooks hooks() {
        if (hooks == null) {
            hooks = new Hooks();
        }
        return hooks;
    }

    private <H> HookHandle addHook(List<H> list, H hook) {
        list.add(hook);
        return new HookHandle() {
            private boolean removed;

            @Override
            public void remove() {
                if (removed) {
                    return;
                }
                removed = true;
                list.remove(hook);
                Hooks h = hooks;
                if (h != null && h.pre.isEmpty() && h.forward.isEmpty() && h.backward.isEmpty()) {
                    hooks = null; // back to the one-null-check path
                }
            }
        };
    }

    private static final class Hooks {
        final List<ForwardPreHook> pre = new ArrayList<>(1);
        final List<ForwardHook> forward = new ArrayList<>(1);
        final List<BackwardHook> backward = new ArrayList<>(1);
    }

    /** The backward hooks of one call: collects the output gradient, then fires when the input gradient arrives. */
    private static final class BackwardCall {
        private final Layer module;
        private final List<BackwardHook> hooks;
        private Tensor inputAlias;
        private Tensor gradOutput;

        BackwardCall(Layer module, List<BackwardHook> hooks) {
            this.module = module;
            this.hooks = hooks;
        }

        void watchInput(Tensor alias) {
            inputAlias = alias;
            alias.registerHook(g -> fire(g, gradOutput != null ? gradOutput : g));
        }

        void watchOutput(Tensor output) {
            if (output == inputAlias) {
                return; // forward returned its input: the input hook sees the output gradient too
            }
            output.registerHook(g -> {
                gradOutput = g;
                if (inputAlias == null) {
                    fire(null, g);
                }
                return null;
            });
        }

        private Tensor fire(Tensor gradInput, Tensor gradOut) {
            for (BackwardHook hook : hooks) {
                Tensor replaced = hook.apply(module, gradInput, gradOut);
                if (replaced != null && gradInput != null) {
                    gradInput = replaced;
                }
            }
            return gradInput;
        }
    }

    // ------------------------------------------------------------------------------------------ registry

    /**
     * Registers {@code tensor} as a parameter named {@code name} and marks it {@code requiresGrad(true)}.
     *
     * @param name   a name unique within this module, without dots
     * @param tensor a leaf tensor (registering one tensor in several places ties it)
     * @return {@code tensor}
     */
    protected final Tensor registerParameter(String name, Tensor tensor) {
        checkName(name);
        Objects.requireNonNull(tensor, "tensor");
        if (!tensor.isLeaf()) {
            throw new IllegalArgumentException("registerParameter: '" + name + "' was produced by " + tensor.gradFnName()
                    + "; a parameter must be a leaf tensor (use detach())");
        }
        parameters.put(name, tensor.requiresGrad(true));
        return tensor;
    }

    /**
     * Registers {@code tensor} as a buffer named {@code name}: state that is saved in {@link #stateDict()} but not
     * trained (e.g. running statistics).
     *
     * @return {@code tensor}
     */
    protected final Tensor registerBuffer(String name, Tensor tensor) {
        checkName(name);
        buffers.put(name, Objects.requireNonNull(tensor, "tensor"));
        return tensor;
    }

    /**
     * Registers {@code module} as a child named {@code name}; its parameters appear as {@code name.<theirs>}.
     *
     * @return {@code module}
     */
    protected final <M extends Layer> M registerModule(String name, M module) {
        checkName(name);
        Objects.requireNonNull(module, "module");
        if (module == this) {
            throw new IllegalArgumentException("registerModule: a module cannot be its own child ('" + name + "')");
        }
        modules.put(name, module);
        return module;
    }

    private void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("register: name '" + name + "' must be non-empty and contain no '.'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || modules.containsKey(name)) {
            throw new IllegalArgumentException("register: " + getClass().getSimpleName() + " already has a member named '"
                    + name + "'");
        }
    }

    /**
     * Sets {@code requiresGrad} on every parameter of this layer and its descendants, as PyTorch's
     * {@code requires_grad_}. With false the parameters are frozen: their gradients are dropped (set to null, which
     * PyTorch leaves to {@code zero_grad}), backward computes none for them, so optimizers leave them unchanged and
     * the gradient monitor gives them no statistics or verdicts. Buffers are not affected.
     *
     * @return this layer
     */
    public Layer requiresGrad(boolean wanted) {
        for (Tensor p : parameters()) {
            p.requiresGrad(wanted);
            if (!wanted) {
                p.zeroGrad();
            }
        }
        return this;
    }

    /** The parameters of this module and its descendants, each tensor once (tied weights count once), in order. */
    public List<Tensor> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /**
     * Parameters by dotted name ({@code layers.0.weight}): this module's own first, then each child's, recursively.
     * A tensor registered under several names appears under the first only.
     */
    public LinkedHashMap<String, Tensor> namedParameters() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collect("", true, false, out, seen);
        return out;
    }

    /** The buffers of this module and its descendants, each tensor once. */
    public List<Tensor> buffers() {
        return List.copyOf(namedBuffers().values());
    }

    /** Buffers by dotted name ({@code 1.running_mean}), in the order of {@link #namedParameters()}. */
    public LinkedHashMap<String, Tensor> namedBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collect("", false, true, out, seen);
        return out;
    }

    /** Walks the tree; {@code seen} null keeps duplicates (state dicts name every place a tensor lives). */
    private void collect(String prefix, boolean params, boolean bufs, Map<String, Tensor> out, Set<Tensor> seen) {
        if (params) {
            parameters.forEach((n, t) -> {
                if (seen == null || seen.add(t)) {
                    out.put(prefix + n, t);
                }
            });
        }
        if (bufs) {
            buffers.forEach((n, t) -> {
                if (seen == null || seen.add(t)) {
                    out.put(prefix + n, t);
                }
            });
        }
        modules.forEach((n, m) -> m.collect(prefix + n + ".", params, bufs, out, seen));
    }

    /** The direct children, in registration order. */
    public List<Layer> children() {
        return List.copyOf(modules.values());
    }

    /** The direct children by name. */
    public LinkedHashMap<String, Layer> namedChildren() {
        return new LinkedHashMap<>(modules);
    }

    /** This module (name "") and all descendants by dotted name, depth first, each module once. */
    public LinkedHashMap<String, Layer> namedModules() {
        LinkedHashMap<String, Layer> out = new LinkedHashMap<>();
        Set<Layer> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collectModules("", out, seen);
        return out;
    }

    private void collectModules(String name, Map<String, Layer> out, Set<Layer> seen) {
        if (!seen.add(this)) {
            return;
        }
        out.put(name, this);
        modules.forEach((n, m) -> m.collectModules(name.isEmpty() ? n : name + "." + n, out, seen));
    }

    /** Total number of parameter elements, each tied tensor counted once. */
    public long numParameters() {
        long n = 0;
        for (Tensor p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    /** Clears the gradient of every parameter ({@link Tensor#zeroGrad()}). */
    public void zeroGrad() {
        for (Tensor p : parameters()) {
            p.zeroGrad();
        }
    }

    // ------------------------------------------------------------------------------------------- modes

    /** Sets training mode on this module and all descendants; returns this. */
    public Layer train(boolean mode) {
        training = mode;
        for (Layer m : modules.values()) {
            m.train(mode);
        }
        return this;
    }

    /** {@code train(true)}. */
    public Layer train() {
        return train(true);
    }

    /** {@code train(false)}: dropout off, batch norm on running statistics. */
    public Layer eval() {
        return train(false);
    }

    /** True in training mode (the default). */
    public boolean isTraining() {
        return training;
    }

    // ------------------------------------------------------------------------------------------- state

    /**
     * Parameters and buffers by dotted name (module by module: own parameters, own buffers, then children), as
     * tensors that share storage with this module's (detached, so a later update shows through); no values. A
     * tied tensor appears under every name it is registered as, as in PyTorch.
     */
    public StateDict stateDict() {
        Map<String, Tensor> raw = new LinkedHashMap<>();
        collectState("", raw);
        Map<String, Tensor> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k, v.detach()));
        return StateDict.ofTensors(out);
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((n, t) -> out.put(prefix + n, t));
        buffers.forEach((n, t) -> out.put(prefix + n, t));
        modules.forEach((n, m) -> m.collectState(prefix + n + ".", out));
    }

    /**
     * Copies the tensors of {@code state} into this module's parameters and buffers, in place (values converted to
     * each tensor's dtype). Nothing is copied when an exception is thrown.
     *
     * @param state  named tensors as {@link #stateDict()} names them
     * @param strict when true, a name of this module missing from {@code state}, or a name in {@code state} this
     *               module does not have, is an error; when false they are returned
     * @return the missing and unexpected names (both empty when strict)
     * @throws IllegalArgumentException naming every entry whose shape differs (always), and with {@code strict}
     *                                  every missing and unexpected name
     */
    public LoadResult loadStateDict(StateDict state, boolean strict) {
        Objects.requireNonNull(state, "state");
        Map<String, Tensor> own = new LinkedHashMap<>();
        collectState("", own);
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        own.forEach((name, t) -> {
            Tensor source = state.tensors().get(name);
            if (source == null) {
                missing.add(name);
            } else if (!Arrays.equals(source.shape(), t.shape())) {
                mismatched.add(name + ": checkpoint " + Arrays.toString(source.shape()) + ", model "
                        + Arrays.toString(t.shape()));
            }
        });
        List<String> unexpected = new ArrayList<>();
        for (String name : state.tensors().keySet()) {
            if (!own.containsKey(name)) {
                unexpected.add(name);
            }
        }
        List<String> errors = new ArrayList<>();
        if (!mismatched.isEmpty()) {
            errors.add("shape mismatch for " + String.join("; ", mismatched));
        }
        if (strict && !missing.isEmpty()) {
            errors.add("missing keys " + missing);
        }
        if (strict && !unexpected.isEmpty()) {
            errors.add("unexpected keys " + unexpected);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict into " + getClass().getSimpleName() + ": "
                    + String.join("; ", errors) + (strict ? "" : " (strict = false ignores only missing and unexpected keys)"));
        }
        try (Scope s = Tape.noGrad()) {
            own.forEach((name, t) -> {
                Tensor source = state.tensors().get(name);
                if (source != null) {
                    t.copyFrom(source);
                }
            });
        }
        return new LoadResult(missing, unexpected);
    }

    // -------------------------------------------------------------------------------------------- text

    /** The constructor arguments shown by {@link #toString()}, e.g. {@code in=784, out=256, bias=true}. */
    protected String extraRepr() {
        return "";
    }

    /** PyTorch-style tree: {@code Sequential(\n  (0): Linear(in=2, out=3, bias=true)\n)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(extraRepr());
        if (!modules.isEmpty()) {
            sb.append('\n');
            modules.forEach((n, m) -> sb.append("  (").append(n).append("): ")
                    .append(m.toString().replace("\n", "\n  ")).append('\n'));
        }
        return sb.append(')').toString();
    }

    /**
     * A table like Keras' {@code model.summary()}: one row per module (dotted name and type), its output shape from
     * the last {@link #summary(Tensor)} pass ({@code ?} when unknown), the number of parameter elements it owns
     * directly (tied tensors counted at their first place), then the totals.
     */
    public String summary() {
        LinkedHashMap<String, Layer> all = namedModules();
        List<String[]> rows = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long total = 0;
        long trainable = 0;
        for (Map.Entry<String, Layer> e : all.entrySet()) {
            Layer m = e.getValue();
            long own = 0;
            for (Tensor p : m.parameters.values()) {
                if (seen.add(p)) {
                    own += p.numel();
                    trainable += p.requiresGrad() ? p.numel() : 0;
                }
            }
            total += own;
            boolean root = e.getKey().isEmpty();
            if (root && !modules.isEmpty() && own == 0) {
                continue; // a container: its rows are its children
            }
            String name = root ? "(self)" : e.getKey();
            int[] shape = m.summaryOutputShape;
            rows.add(new String[] {name + " (" + m.getClass().getSimpleName() + ")",
                shape == null ? "?" : Arrays.toString(shape), String.format(Locale.ROOT, "%,d", own)});
        }
        int w0 = "Layer (type)".length();
        int w1 = "Output shape".length();
        int w2 = "Param #".length();
        for (String[] r : rows) {
            w0 = Math.max(w0, r[0].length());
            w1 = Math.max(w1, r[1].length());
            w2 = Math.max(w2, r[2].length());
        }
        String format = "%-" + w0 + "s  %-" + w1 + "s  %" + w2 + "s%n";
        String rule = "=".repeat(w0 + w1 + w2 + 4) + String.format("%n");
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append(String.format("%n")).append(rule);
        sb.append(String.format(Locale.ROOT, format, "Layer (type)", "Output shape", "Param #")).append(rule);
        for (String[] r : rows) {
            sb.append(String.format(Locale.ROOT, format, (Object[]) r));
        }
        sb.append(rule);
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", total));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainable));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", total - trainable));
        return sb.toString();
    }

    /**
     * Runs {@code exampleInput} through this module once, in eval mode and without recording (so no running
     * statistic or random state changes; training flags are restored), to learn every module's output shape, then
     * returns {@link #summary()}.
     */
    public String summary(Tensor exampleInput) {
        LinkedHashMap<String, Layer> all = namedModules();
        Map<Layer, Boolean> modes = new IdentityHashMap<>();
        List<HookHandle> handles = new ArrayList<>();
        for (Layer m : all.values()) {
            modes.put(m, m.training);
            handles.add(m.registerForwardHook((module, in, out) -> {
                module.summaryOutputShape = out.shape();
                return null;
            }));
        }
        try (Scope s = Tape.noGrad()) {
            eval();
            call(exampleInput);
        } finally {
            handles.forEach(HookHandle::remove);
            modes.forEach((m, mode) -> m.training = mode);
        }
        return summary();
    }
}
