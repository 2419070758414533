package org.tapegrad.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tapegrad.core.DType;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.gemm.WorkerTeam;

/**
 * The bookkeeping every optimizer shares, as in PyTorch's {@code torch.optim.Optimizer}: parameter groups with their
 * own hyperparameters ({@link #paramGroups()}), per-parameter state created on a parameter's first step and keyed
 * by the parameter's identity, {@link #step()}, {@link #zeroGrad()}, and checkpoints ({@link #stateDict()}).
 *
 * <p>The update loops of the built-in optimizers ({@link Sgd}, {@link Adam}, {@link AdamW}, {@link RmsProp},
 * {@link Adagrad}) are plain functions over arrays, written once in {@code Float64Updates}; their float twin
 * {@code Float32Updates} is generated from that source at build time. They run in place on the parameter's
 * storage; these writes are never recorded by autograd.
 *
 * <p><b>State precision.</b> Per-parameter buffers (moments, momentum) have the parameter's dtype, as in PyTorch:
 * a float32 parameter is updated in float arithmetic with {@code float[]} state (coefficients such as bias
 * corrections computed in double and rounded once), a float64 parameter in double with {@code double[]} state.
 * Float state differs from double state by float rounding (a few 1e-7 relative over several steps); a checkpoint
 * saves each buffer in its own dtype, so resuming is still exact.
 *
 * <p><b>Non-finite gradients.</b> With {@link #setSkipNonFinite(boolean) setSkipNonFinite(true)}, a step in which
 * any gradient holds NaN or ±Inf changes nothing (no parameter, no state, no step count), logs a warning, returns
 * false and is counted in {@link #skippedSteps()}.
 *
 * <p><b>An optimizer of one's own</b> extends this class with a record of hyperparameters and implements two methods:
 * {@link #newState} (the per-parameter buffers, created on a parameter's first step) and {@link #update} (the rule,
 * on {@link ArrayView}s of one parameter, its gradient and its buffers); {@link #updateFloat32 updateFloat32} may add
 * a float loop for float32 parameters. Parameter groups, learning-rate schedules, skipping non-finite steps,
 * frozen parameters, team steps and checkpoints then work as for the optimizers here:
 *
 * <pre>{@code
 * public final class SignSgd extends Optimizer<SignSgd.Options> {
 *     public record Options(double lr) implements Optimizer.Hyperparameters {}
 *     public SignSgd(Iterable<Tensor> params, double lr) { super(List.of(new ParamGroup<>(params, new Options(lr)))); }
 *     protected ParamState newState(Options o, DType dtype, int numel) { return ParamState.withBuffers(dtype, numel, 0); }
 *     protected void update(Options o, double lr, ParamState s, ArrayView p, ArrayView g) {
 *         for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) - lr * Math.signum(g.get(i)));
 *     }
 * }
 * }</pre>
 *
 * @param <O> the record of hyperparameters of one parameter group
 */
public abstract class Optimizer<O extends Optimizer.Hyperparameters> {
    private static final Logger LOG = LoggerFactory.getLogger(Optimizer.class);

    /** What every optimizer's hyperparameter record provides: the starting learning rate of a group. */
    public interface Hyperparameters {
        /** The learning rate a parameter group starts with. */
        double lr();

        /**
         * The momentum a cyclic schedule moves against the learning rate ({@link OneCycleLr}): SGD's and RMSprop's
         * {@code momentum}, Adam's and AdamW's β₁; NaN (the default) for an optimizer that has none.
         */
        default double cycledMomentum() {
            return Double.NaN;
        }

        /**
         * This record with {@link #cycledMomentum()} replaced by {@code momentum} (checked again). Must return the
         * record's own type. The default refuses: the optimizer has no momentum to cycle.
         */
        default Hyperparameters withCycledMomentum(double momentum) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " has no momentum a schedule can "
                    + "cycle; construct OneCycleLr with cycleMomentum false");
        }
    }

    /** Buffers that are sums or running means of squares in every optimizer here, so never negative. */
    private static final Set<String> NON_NEGATIVE_BUFFERS = Set.of("exp_avg_sq", "max_exp_avg_sq", "square_avg",
            "sum");

    private final List<ParamGroup<O>> groups = new ArrayList<>();
    private final Map<Tensor, ParamState> state = new IdentityHashMap<>();
    /** The number of ranges {@link #step(WorkerTeam)} cuts each parameter into. */
    private int parts = 1;
    /** Range {@code part} of {@link #parts} of every parameter, for {@link #step(WorkerTeam)}. */
    private final WorkerTeam.Task updateParts = (part, member) -> updatePart(part, parts);
    private boolean skipNonFinite;
    private long skippedSteps;

    /** An optimizer over the given groups (at least one; no parameter in two groups). */
    protected Optimizer(List<ParamGroup<O>> groups) {
        Objects.requireNonNull(groups, "groups");
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("optimizer got an empty list of parameter groups");
        }
        for (ParamGroup<O> g : groups) {
            addParamGroup(g);
        }
    }

    /** Adds a group (e.g. layers unfrozen during fine-tuning); its parameters must not be in another group. */
    public final void addParamGroup(ParamGroup<O> group) {
        Objects.requireNonNull(group, "group");
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (ParamGroup<O> g : groups) {
            for (Tensor p : g.params()) {
                seen.put(p, Boolean.TRUE);
            }
        }
        for (Tensor p : group.params()) {
            if (seen.put(p, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("some parameters appear in more than one parameter group");
            }
        }
        groups.add(group);
    }

    /** The parameter groups in order (unmodifiable list; each group's learning rate can be set). */
    public final List<ParamGroup<O>> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /** When true, a step with any non-finite gradient is skipped (see the class comment). Default false. */
    public final void setSkipNonFinite(boolean skip) {
        this.skipNonFinite = skip;
    }

    /** Whether steps with a non-finite gradient are skipped. */
    public final boolean skipNonFinite() {
        return skipNonFinite;
    }

    /** Number of steps skipped because of a non-finite gradient. */
    public final long skippedSteps() {
        return skippedSteps;
    }

    /**
     * Updates every parameter that has a gradient, in place, with its group's hyperparameters and current learning
     * rate; parameters whose gradient is null are left alone (their state is not created or advanced, no weight
     * decay is applied), as in PyTorch. Frozen parameters ({@code Layer.requiresGrad(false)}) are among them: they
     * get no gradient in backward, and freezing drops the one they had.
     *
     * @return true if the step was applied, false if it was skipped because a gradient was not finite
     */
    public final boolean step() {
        return step(null);
    }

    /**
     * {@link #step()} on the threads of {@code team}: each float32 parameter's elements are cut into one range per
     * thread and the ranges are updated at once (no element's update reads another's, so the result is the same, bit
     * for bit); float64 parameters are updated whole, each by one thread. With a team that also runs the backward
     * pass of a data-parallel step ({@code DataParallel.team()}), the ranges are those of its gradient sum, so a
     * thread usually updates a range it has just summed, in its own core's cache (threads claim ranges, they are not
     * assigned them). A null team is {@link #step()}.
     *
     * @return true if the step was applied, false if it was skipped because a gradient was not finite
     * @throws IllegalStateException when the team is busy with another loop or closed
     */
    public final boolean step(WorkerTeam team) {
        if (skipNonFinite) {
            Tensor bad = firstNonFiniteGrad();
            if (bad != null) {
                skippedSteps++;
                LOG.warn("{}: skipped a step because a gradient of a parameter of shape {} is not finite "
                        + "({} steps skipped so far)", getClass().getSimpleName(), Arrays.toString(bad.shape()),
                        skippedSteps);
                return false;
            }
        }
        for (ParamGroup<O> group : groups) {
            for (Tensor p : group.params()) {
                if (!updates(p)) {
                    continue;
                }
                ParamState s = state.get(p);
                if (s == null) {
                    s = newState(group.options(), p.dtype(), p.numel());
                    s.param = ArrayView.of(p);
                    state.put(p, s);
                }
                s.step++;
                p.markModified(); // a graph recorded before this step must not run its backward on the new values
            }
        }
        if (team == null) {
            updatePart(0, 1);
        } else {
            parts = team.size();
            team.run(updateParts, parts);
        }
        return true;
    }

    /** Updates range {@code part} of {@code parts} of every parameter that has a gradient (its state is ready). */
    private void updatePart(int part, int parts) {
        for (ParamGroup<O> group : groups) {
            O options = group.options();
            double lr = group.lr();
            for (Tensor p : group.params()) {
                if (!updates(p)) {
                    continue;
                }
                Tensor grad = p.grad();
                ParamState s = state.get(p);
                if (s.param instanceof ArrayView.F32 p32) {
                    int n = p32.size();
                    if (updateFloat32(options, lr, s, p32.a(), grad.float32Matrix().data,
                            WorkerTeam.partStart(n, part, parts), WorkerTeam.partStart(n, part + 1, parts))) {
                        continue;
                    }
                }
                if (part == 0) {
                    update(options, lr, s, s.param, ArrayView.of(grad));
                }
            }
        }
    }

    /** Whether a step updates {@code p}: it has a gradient (PyTorch's {@code p.grad is not None}). */
    private static boolean updates(Tensor p) {
        return p.grad() != null;
    }

    private Tensor firstNonFiniteGrad() {
        for (ParamGroup<O> group : groups) {
            for (Tensor p : group.params()) {
                Tensor grad = p.grad();
                if (updates(p) && !allFinite(ArrayView.of(grad))) {
                    return p;
                }
            }
        }
        return null;
    }

    private static boolean allFinite(ArrayView g) {
        for (int i = 0, n = g.size(); i < n; i++) {
            if (!Double.isFinite(g.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Sets every parameter's gradient to null (PyTorch's {@code zero_grad(set_to_none=True)}). */
    public final void zeroGrad() {
        for (ParamGroup<O> group : groups) {
            for (Tensor p : group.params()) {
                p.zeroGrad();
            }
        }
    }

    /**
     * PyTorch's {@code zero_grad(set_to_none)}: with true, as {@link #zeroGrad()}; with false, every gradient is
     * filled with zeros and kept, and the next backward adds into those buffers instead of allocating new ones (see
     * {@link Tensor#zeroGrad(boolean)}), which saves a model-sized allocation per training step.
     */
    public final void zeroGrad(boolean setToNone) {
        for (ParamGroup<O> group : groups) {
            for (Tensor p : group.params()) {
                p.zeroGrad(setToNone);
            }
        }
    }

    /**
     * The state of a parameter of {@code numel} elements before its first step: buffers of the parameter's dtype,
     * usually zero-filled, made with {@link ParamState#withBuffers}. Called once per parameter, on its first step
     * (and when a checkpoint is loaded, before the saved buffers are copied in).
     */
    protected abstract ParamState newState(O options, DType dtype, int numel);

    /**
     * One update of one parameter, in place: the update rule of this optimizer. Called by {@link #step()} for each
     * parameter that has a gradient and requires grad, with its group's hyperparameters and current learning rate.
     * {@code s.step()} already counts this step (1 on the first). Runs outside any recording; the optimizer marks
     * the parameter modified afterwards, so graphs recorded before the step refuse to backpropagate through it.
     * This method is called for float64 parameters, and for float32 parameters when
     * {@link #updateFloat32 updateFloat32} is not overridden (the float values are widened to double on read and
     * rounded to float on write).
     *
     * @param options the group's hyperparameters. Not modified.
     * @param lr      the group's current learning rate (a schedule may have changed it from {@code options.lr()})
     * @param s       the parameter's state (its buffers). Modified.
     * @param p       the parameter's values. Modified.
     * @param g       its gradient. Not modified.
     */
    protected abstract void update(O options, double lr, ParamState s, ArrayView p, ArrayView g);

    /**
     * An optional float32 path of {@link #update}: the same rule on elements {@code from} to {@code to - 1} of a
     * float32 parameter, in float arithmetic on the {@code float[]} storages (which may be longer than the
     * parameter). A step on a team ({@link #step(WorkerTeam)}) calls it once per range on several threads at once,
     * so it must touch only elements {@code from..to-1} of {@code p} and of the state buffers. Returns false, the
     * default, when this optimizer has no such path: {@link #update} then runs on the whole parameter.
     *
     * @return true when the range was updated
     */
    protected boolean updateFloat32(O options, double lr, ParamState s, float[] p, float[] g, int from, int to) {
        return false;
    }

    // ------------------------------------------------------------------------------------------ checkpoints

    /**
     * The optimizer's state, with parameters numbered by their position across all groups in order (as PyTorch):
     * <ul>
     *   <li>value {@code state.<i>.step}: steps taken on parameter i (absent if it has no state yet);</li>
     *   <li>tensor {@code state.<i>.<buffer>}: a copy of each buffer, shaped like the parameter and of its dtype
     *       (e.g. {@code state.3.exp_avg});</li>
     *   <li>values {@code param_groups.<g>.lr}, {@code param_groups.<g>.initial_lr}, {@code param_groups.<g>.params}
     *       (the indices of its parameters, e.g. {@code "0,1"}) and {@code param_groups.<g>.options} (the record as
     *       text, for reading);</li>
     *   <li>value {@code skipped_steps}.</li>
     * </ul>
     * Numbers are written with {@link Double#toString}, which reads back exactly. The tensors are copies.
     */
    public final StateDict stateDict() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> values = new LinkedHashMap<>();
        int index = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup<O> group = groups.get(gi);
            StringBuilder ids = new StringBuilder();
            for (Tensor p : group.params()) {
                ids.append(ids.length() == 0 ? "" : ",").append(index);
                ParamState s = state.get(p);
                if (s != null) {
                    values.put("state." + index + ".step", Long.toString(s.step));
                    for (Map.Entry<String, ArrayView> b : s.buffers().entrySet()) {
                        tensors.put("state." + index + "." + b.getKey(), copyOf(b.getValue(), p.shape()));
                    }
                }
                index++;
            }
            String prefix = "param_groups." + gi + ".";
            values.put(prefix + "lr", Double.toString(group.lr()));
            values.put(prefix + "initial_lr", Double.toString(group.initialLr()));
            values.put(prefix + "params", ids.toString());
            values.put(prefix + "options", group.options().toString());
        }
        values.put("skipped_steps", Long.toString(skippedSteps));
        return new StateDict(tensors, values);
    }

    /** A tensor holding a copy of buffer {@code b}, of its dtype. */
    private static Tensor copyOf(ArrayView b, int[] shape) {
        return b instanceof ArrayView.F32 f
                ? Tensor.of(f.a(), shape)
                : Tensor.of(DType.FLOAT64, ((ArrayView.F64) b).a(), shape);
    }

    /**
     * Restores a state saved by {@link #stateDict()} from an optimizer of the same kind over parameters of the same
     * shapes in the same groups: per-parameter steps and buffers, each group's current learning rate and the skipped
     * step count. A buffer saved in another dtype is converted to the parameter's: float64 buffers of float32
     * parameters (the format before state followed the parameter's dtype) load rounded to float, which is exact when
     * they hold float32 values. The hyperparameter records are this optimizer's own (they are not parsed back); a
     * difference from the saved ones is logged as a warning. Nothing changes if the state does not fit: missing
     * entries, wrong shapes, a different grouping or an unknown parameter index are refused with a message naming
     * the entry, and so is every value out of its range: a step count that is not an integer &gt;= 1, a skipped-step
     * count that is not an integer &gt;= 0, a learning rate that is not a finite number &gt;= 0, a buffer holding
     * NaN or an infinity, a sum or mean of squares ({@code exp_avg_sq}, {@code max_exp_avg_sq},
     * {@code square_avg}, {@code sum}) holding a negative number: each would make the next step's update NaN.
     */
    public final void loadStateDict(StateDict saved) {
        Objects.requireNonNull(saved, "state");
        List<Tensor> params = new ArrayList<>();
        List<O> optionsOf = new ArrayList<>();
        double[] lrs = new double[groups.size()];
        int index = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup<O> group = groups.get(gi);
            String prefix = "param_groups." + gi + ".";
            StringBuilder ids = new StringBuilder();
            for (Tensor p : group.params()) {
                ids.append(ids.length() == 0 ? "" : ",").append(index++);
                params.add(p);
                optionsOf.add(group.options());
            }
            String savedIds = value(saved, prefix + "params");
            if (!savedIds.equals(ids.toString())) {
                throw new IllegalArgumentException("loadStateDict: " + prefix + "params is \"" + savedIds
                        + "\" but this optimizer's group " + gi + " holds parameters \"" + ids + "\"");
            }
            lrs[gi] = LrScheduler.rate(prefix + "lr", value(saved, prefix + "lr"), value(saved, prefix + "lr"));
            if (saved.values().containsKey(prefix + "initial_lr")) {
                String initial = value(saved, prefix + "initial_lr");
                LrScheduler.rate(prefix + "initial_lr", initial, initial);
            }
            String savedOptions = saved.values().get(prefix + "options");
            if (savedOptions != null && !savedOptions.equals(group.options().toString())) {
                LOG.warn("loadStateDict: group {} was saved with {} and keeps {}", gi, savedOptions, group.options());
            }
        }
        if (saved.values().containsKey("param_groups." + groups.size() + ".params")) {
            throw new IllegalArgumentException("loadStateDict: the state has more than " + groups.size()
                    + " parameter groups (found param_groups." + groups.size() + ")");
        }
        for (String name : saved.values().keySet()) {
            checkKnownIndex(name, params.size());
        }
        for (String name : saved.tensors().keySet()) {
            checkKnownIndex(name, params.size());
        }

        Map<Tensor, ParamState> restored = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            String prefix = "state." + i + ".";
            String step = saved.values().get(prefix + "step");
            if (step == null) {
                for (String name : saved.tensors().keySet()) {
                    if (name.startsWith(prefix)) {
                        throw new IllegalArgumentException("loadStateDict: missing value '" + prefix + "step' for "
                                + "tensor '" + name + "'");
                    }
                }
                continue;
            }
            ParamState s = newState(optionsOf.get(i), p.dtype(), p.numel());
            s.step = count(saved, prefix + "step", 1); // a state exists from the first step on
            for (Map.Entry<String, ArrayView> b : s.buffers().entrySet()) {
                String name = prefix + b.getKey();
                Tensor t = saved.tensors().get(name);
                if (t == null) {
                    throw new IllegalArgumentException("loadStateDict: missing tensor '" + name + "'");
                }
                if (!Arrays.equals(t.shape(), p.shape())) {
                    throw new IllegalArgumentException("loadStateDict: '" + name + "' has shape "
                            + Arrays.toString(t.shape()) + " but parameter " + i + " has shape "
                            + Arrays.toString(p.shape()));
                }
                double[] values = t.toDoubleArray();
                boolean nonNegative = NON_NEGATIVE_BUFFERS.contains(b.getKey());
                for (int k = 0; k < values.length; k++) {
                    if (!Double.isFinite(values[k]) || (nonNegative && values[k] < 0)) {
                        throw new IllegalArgumentException("loadStateDict: tensor '" + name + "' holds " + values[k]
                                + " at index " + k + "; expected finite values" + (nonNegative
                                ? " >= 0 (it is a running sum or mean of squares)" : ""));
                    }
                    b.getValue().set(k, values[k]);
                }
            }
            for (String name : saved.tensors().keySet()) {
                if (name.startsWith(prefix) && !s.buffers().containsKey(name.substring(prefix.length()))) {
                    throw new IllegalArgumentException("loadStateDict: unexpected tensor '" + name + "' (this "
                            + getClass().getSimpleName() + " keeps " + s.buffers().keySet() + ")");
                }
            }
            s.param = ArrayView.of(p);
            restored.put(p, s);
        }
        long skipped = saved.values().containsKey("skipped_steps") ? count(saved, "skipped_steps", 0) : 0;

        // Everything checked: commit.
        state.clear();
        state.putAll(restored);
        for (int gi = 0; gi < groups.size(); gi++) {
            groups.get(gi).setLr(lrs[gi]);
        }
        skippedSteps = skipped;
    }

    private static void checkKnownIndex(String name, int count) {
        if (!name.startsWith("state.")) {
            return;
        }
        int dot = name.indexOf('.', 6);
        String index = dot < 0 ? name.substring(6) : name.substring(6, dot);
        int i;
        try {
            i = Integer.parseInt(index);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' does not name a parameter index", e);
        }
        if (i < 0 || i >= count) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' is for parameter " + i
                    + " but this optimizer has " + count + " parameters");
        }
    }

    private static String value(StateDict saved, String name) {
        String v = saved.values().get(name);
        if (v == null) {
            throw new IllegalArgumentException("loadStateDict: missing value '" + name + "'");
        }
        return v;
    }

    /** Value {@code name} as an integer of at least {@code min}, or an exception naming the key and the value. */
    private static long count(StateDict saved, String name, long min) {
        String v = value(saved, name);
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' must be an integer of at least " + min
                    + ", got '" + v + "'", e);
        }
        if (n < min) {
            throw new IllegalArgumentException("loadStateDict: '" + name + "' must be an integer of at least " + min
                    + ", got '" + v + "'");
        }
        return n;
    }

    /**
     * The values of {@code v} as a {@code double[]} for the float64 update loops: the array itself for float64
     * storage, a widened copy for float32 storage (write results back with {@link #store}).
     */
    static double[] doubles(ArrayView v) {
        if (v instanceof ArrayView.F64 f) {
            return f.a();
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    /** Writes {@code values} into {@code v} (rounding to float for float32 storage); nothing when they are its array. */
    static void store(double[] values, ArrayView v) {
        if (v instanceof ArrayView.F64 f && f.a() == values) {
            return;
        }
        for (int i = 0, n = v.size(); i < n; i++) {
            v.set(i, values[i]);
        }
    }

    /** The PyTorch check {@code 0 <= value}, also refusing NaN, with PyTorch's message. */
    static void checkNonNegative(String what, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException("Invalid " + what + ": " + value);
        }
    }
}
