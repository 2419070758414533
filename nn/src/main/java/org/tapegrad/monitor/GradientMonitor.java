package org.tapegrad.monitor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.monitor.Diagnostic.Kind;
import org.tapegrad.nn.Layer;

/**
 * Watches the gradients of a model during training: every N-th step it records, per parameter and per layer, the
 * gradient statistics, parameter norms and update-to-parameter ratios, the statistics of each layer's output and
 * the norm of the gradient reaching it, and runs the {@link Rules}. What the rules conclude is data: each sampled
 * {@link StepRecord} lists its {@link Finding}s (a condition new at that sample, still holding, or cleared),
 * {@link #verdicts()} gives each (kind, layer) condition with its first occurrence and whether and when it cleared,
 * {@link #diagnostics()} the first occurrences alone, and every report writes them. Logging (slf4j) is one more place
 * they go: the first occurrence of each (kind, layer) as a warning, its first clearing as info, later returns and
 * clearings at debug level. {@link #onSample} runs code after each sample (live reports: {@link LiveReports}).
 *
 * <pre>{@code
 * GradientMonitor monitor = GradientMonitor.attach(model, 10, Thresholds.defaults());
 * for (Batch batch : loader) {
 *     Tensor loss;
 *     try (Tape tape = Tape.record()) {
 *         loss = Losses.crossEntropy(model.call(batch.inputs()), batch.labels());
 *         tape.backward(loss);
 *     }
 *     monitor.beforeStep();          // reads the gradients and keeps the parameters (sampled steps only)
 *     optimizer.step();
 *     monitor.afterStep(loss.item()); // update ratios, rules; ends the step
 *     optimizer.zeroGrad();
 * }
 * monitor.close();                   // removes every hook
 * System.out.print(TextSummary.of(monitor));
 * }</pre>
 *
 * <p>Cost: the layers' forward hooks are registered only while a sampled step runs (from the {@code afterStep} of
 * the step before to the sampled step's {@code afterStep}), so an unsampled step runs the model exactly as without a
 * monitor, and {@code beforeStep}/{@code afterStep} do one counter check. Forward passes outside a recording
 * (evaluation) are not measured. A sampled step reads each layer output and each output gradient once, in the hooks,
 * while they are still in cache; each parameter gradient once in {@code beforeStep}, in the same pass that copies
 * the parameter for the update ratio; and each parameter and its copy once more in {@code afterStep}
 * ({@code StatsKernel}; Vector API loops when {@code jdk.incubator.vector} is present). The parameter passes, bound
 * by memory traffic, are most of the cost. The examples' {@code MonitorOverhead} measures a sampled step's cost
 * (figures in docs/PERFORMANCE.md). Until the JIT has compiled those loops, the first few sampled steps after
 * start-up are slower.
 *
 * <p>Layers are the modules without children plus any module with parameters of its own, in
 * {@link Layer#namedModules()} order (registration order, the forward order of a {@code Sequential}). A layer
 * called several times in one step reports the output statistics of its last call and the output gradient norm over
 * all calls. Not thread-safe: use it from the training thread.
 */
public final class GradientMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GradientMonitor.class);

    private final int every;
    private final Rules rules;
    private final List<WatchedLayer> layers = new ArrayList<>();
    private final List<String> paramNames = new ArrayList<>();
    private final List<Tensor> params = new ArrayList<>();
    private final List<HookHandle> handles = new ArrayList<>();
    private final List<StepRecord> records = new ArrayList<>();
    /** Hidden-state gradients per time step of the model's recurrent layers (empty without any). */
    private final TimeStepGradients timeSteps;
    /** The first diagnostic of each (kind, layer), in the order found. */
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    /** The layers already reported, per kind: a check costs a set lookup, no key is built. */
    private final Map<Kind, Set<String>> reported = new EnumMap<>(Kind.class);
    /** Per kind and layer, the state of each condition ever found; {@link #verdictOrder} keeps the order found. */
    private final Map<Kind, Map<String, VerdictState>> verdicts = new EnumMap<>(Kind.class);
    private final List<VerdictState> verdictOrder = new ArrayList<>();
    /** Called after each sampled step, in registration order. */
    private final List<Consumer<StepRecord>> sampleListeners = new ArrayList<>();
    private long step;
    private boolean attached = true;
    /** Per parameter, from beforeStep to afterStep of a sampled step; null otherwise. */
    private GradientStats[] gradStats;
    private Entries[] before;
    /** Snapshot buffers kept between sampled steps, so that parameters are copied without reallocating. */
    private Entries[] snapshots;
    private int backwardCounter;
    /** Forward-hook and gradient-hook invocations, for tests that check nothing runs after detaching. */
    long hookCalls;

    private GradientMonitor(Layer model, int every, Thresholds thresholds) {
        this.every = every;
        this.rules = new Rules(thresholds);
        model.namedParameters().forEach((name, p) -> {
            paramNames.add(name);
            params.add(p);
        });
        Map<Tensor, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            index.put(params.get(i), i);
        }
        model.namedModules().forEach((name, m) -> {
            List<Integer> own = new ArrayList<>();
            m.namedParameters().forEach((n, p) -> {
                if (!n.contains(".") && index.containsKey(p)) {
                    own.add(index.get(p));
                }
            });
            if (m.children().isEmpty() || !own.isEmpty()) {
                layers.add(new WatchedLayer(name.isEmpty() ? "(model)" : name, m, own));
            }
        });
        timeSteps = new TimeStepGradients(model);
        installHooks(); // step 0 is sampled
    }

    /**
     * Attaches a monitor to {@code model} that samples steps 0, N, 2N, ...
     *
     * @param model      the model (its hooks are modified until {@link #close()})
     * @param every      N &gt;= 1: sample every N-th step
     * @param thresholds the thresholds of the rules
     */
    public static GradientMonitor attach(Layer model, int every, Thresholds thresholds) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(thresholds, "thresholds");
        if (every < 1) {
            throw new IllegalArgumentException("GradientMonitor.attach: every must be at least 1 (sample every N-th "
                    + "step), got " + every);
        }
        return new GradientMonitor(model, every, thresholds);
    }

    /** {@link #attach(Layer, int, Thresholds)} with {@link Thresholds#defaults()}. */
    public static GradientMonitor attach(Layer model, int every) {
        return attach(model, every, Thresholds.defaults());
    }

    // ------------------------------------------------------------------------------------------ the step

    /** True when the current step is sampled (its index is a multiple of N). */
    public boolean sampling() {
        return step % every == 0;
    }

    /**
     * Call after backward and before {@code optimizer.step()}: on a sampled step, reads every parameter's gradient
     * and copies the parameters (for the update ratio). Optional: without it {@link #afterStep} reads the gradients
     * and the update ratios are NaN.
     */
    public void beforeStep() {
        checkAttached("beforeStep");
        if (step % every != 0) {
            return;
        }
        if (snapshots == null) {
            snapshots = new Entries[params.size()];
        }
        gradStats = new GradientStats[params.size()];
        double[] figures = new double[5];
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Tensor g = p.grad();
            Entries snapshot = Entries.bufferFor(p, snapshots[i]);
            snapshots[i] = snapshot;
            if (g == null) {
                new Entries(p).copyTo(snapshot);
            } else { // one pass reads the gradient and copies the parameter
                Entries grad = new Entries(g);
                StatsKernel.INSTANCE.magnitudes(grad, new Entries(p), snapshot, figures);
                gradStats[i] = GradientStats.of(figures, grad.size);
            }
        }
        before = snapshots;
    }

    /**
     * Call after {@code optimizer.step()} (and before {@code zeroGrad()}): ends the step. On a sampled step, computes
     * the update ratios, stores a {@link StepRecord}, runs the rules and logs each new diagnostic once.
     *
     * @param loss the step's loss (only recorded)
     */
    public void afterStep(double loss) {
        checkAttached("afterStep");
        if (step % every == 0) {
            record(loss);
        }
        step++;
        boolean next = step % every == 0;
        if (next && handles.isEmpty()) {
            installHooks();
        } else if (!next && !handles.isEmpty()) {
            removeHooks();
        }
    }

    private void record(double loss) {
        GradientStats[] grads = gradStats != null ? gradStats : readGradients();
        int n = params.size();
        double[] paramSquares = new double[n];
        double[] updateSquares = new double[n];
        List<ParamStats> paramStats = new ArrayList<>(n);
        double globalSquares = 0;
        double[] change = new double[2];
        for (int i = 0; i < n; i++) {
            Entries now = new Entries(params.get(i));
            Entries old = before == null ? null : before[i];
            double ps;
            double us = 0;
            if (old == null) {
                ps = StatsKernel.INSTANCE.sumSquares(now);
            } else {
                StatsKernel.INSTANCE.change(now, old, change);
                ps = change[0];
                us = change[1];
            }
            paramSquares[i] = ps;
            updateSquares[i] = old == null ? Double.NaN : us;
            paramStats.add(new ParamStats(paramNames.get(i), grads[i], Math.sqrt(ps), ratio(us, ps, old != null)));
            if (grads[i] != null) {
                globalSquares += grads[i].norm() * grads[i].norm();
            }
        }
        List<LayerStats> layerStats = new ArrayList<>(layers.size());
        for (WatchedLayer l : layers) {
            List<GradientStats> own = new ArrayList<>();
            double ps = 0;
            double us = 0;
            for (int i : l.params) {
                if (grads[i] != null) {
                    own.add(grads[i]);
                }
                ps += paramSquares[i];
                us += updateSquares[i];
            }
            layerStats.add(new LayerStats(l.name, l.type, own.isEmpty() ? null : GradientStats.combine(own),
                    l.params.isEmpty() ? Double.NaN : ratio(us, ps, before != null), l.activation,
                    l.outputSeen ? Math.sqrt(l.outputSquares) : Double.NaN, l.outputNonFinite, l.backwardOrder));
            l.reset();
        }
        StepRecord figures = new StepRecord(step, loss, Math.sqrt(globalSquares), layerStats, paramStats);
        StepRecord r = figures.withFindings(findings(figures));
        records.add(r);
        timeSteps.record(step);
        gradStats = null;
        before = null;
        backwardCounter = 0;
        for (Consumer<StepRecord> listener : List.copyOf(sampleListeners)) {
            listener.accept(r);
        }
    }

    /**
     * Runs the rules on {@code r} and compares what holds with the previous sample: new conditions (whose diagnostics
     * alone are built), conditions that still hold, and conditions that cleared. Updates the verdicts and logs.
     */
    private List<Finding> findings(StepRecord r) {
        List<VerdictState> holding = new ArrayList<>();
        List<Diagnostic> fresh = rules.apply(r, (kind, layer) -> {
            VerdictState v = verdicts.computeIfAbsent(kind, k -> new java.util.HashMap<>()).get(layer);
            holding.add(v); // null for a first occurrence: its state is made from its diagnostic below
            return v == null || v.clearedStep >= 0;
        });
        List<Finding> out = new ArrayList<>();
        int next = 0; // the diagnostics come in the order of the conditions that asked for one
        Set<VerdictState> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (VerdictState v : holding) {
            if (v != null && v.clearedStep < 0) { // held at the previous sample too
                v.lastHeldStep = r.step();
                out.add(new Finding(v.first.kind(), v.first.layer(), Finding.Status.HOLDS, null));
                seen.add(v);
                continue;
            }
            Diagnostic d = fresh.get(next++);
            if (v == null) {
                v = new VerdictState(d);
                verdicts.get(d.kind()).put(d.layer(), v);
                verdictOrder.add(v);
                reported.computeIfAbsent(d.kind(), k -> new HashSet<>()).add(d.layer());
                diagnostics.add(d);
                LOG.warn("Gradient monitor: {}", d);
            } else {
                v.clearedStep = -1;
                v.occurrences++;
                v.lastHeldStep = r.step();
                LOG.debug("Gradient monitor: back after clearing: {}", d);
            }
            out.add(new Finding(d.kind(), d.layer(), Finding.Status.NEW, d));
            seen.add(v);
        }
        for (VerdictState v : verdictOrder) {
            if (v.clearedStep < 0 && !seen.contains(v)) {
                v.clearedStep = r.step();
                v.clearings++;
                out.add(new Finding(v.first.kind(), v.first.layer(), Finding.Status.CLEARED, null));
                if (v.clearings == 1) {
                    LOG.info("Gradient monitor: {} at layer {} cleared at step {} (first found at step {})",
                            v.first.kind(), v.first.layer(), r.step(), v.first.step());
                } else {
                    LOG.debug("Gradient monitor: {} at layer {} cleared again at step {}", v.first.kind(),
                            v.first.layer(), r.step());
                }
            }
        }
        return out;
    }

    private static double ratio(double updateSquares, double paramSquares, boolean measured) {
        return measured && paramSquares > 0 ? Math.sqrt(updateSquares / paramSquares) : Double.NaN;
    }

    private GradientStats[] readGradients() {
        GradientStats[] out = new GradientStats[params.size()];
        for (int i = 0; i < out.length; i++) {
            Tensor g = params.get(i).grad();
            out[i] = g == null ? null : GradientStats.of(g);
        }
        return out;
    }

    // ----------------------------------------------------------------------------------------- hooks

    private void installHooks() {
        for (WatchedLayer l : layers) {
            handles.add(l.module.registerForwardHook((module, input, output) -> {
                onForward(l, output);
                return null;
            }));
        }
        timeSteps.install();
    }

    private void removeHooks() {
        handles.forEach(HookHandle::remove);
        handles.clear();
        timeSteps.remove();
    }

    private void onForward(WatchedLayer l, Tensor output) {
        if (!Tape.isRecording()) {
            return; // an evaluation pass is not part of a training step
        }
        hookCalls++;
        l.activation = ActivationStats.of(output);
        if (output.requiresGrad()) {
            output.registerHook(g -> {
                if (attached) {
                    onOutputGradient(l, g);
                }
                return null;
            });
        }
    }

    private void onOutputGradient(WatchedLayer l, Tensor g) {
        hookCalls++;
        Entries e = new Entries(g);
        double squares = StatsKernel.INSTANCE.sumSquares(e);
        l.outputSquares += squares;
        l.outputNonFinite += Double.isFinite(squares) ? 0 : StatsKernel.nonFinite(e); // rare: count them apart
        l.outputSeen = true;
        if (l.backwardOrder < 0) {
            l.backwardOrder = backwardCounter++;
        }
    }

    /** Removes every hook this monitor registered; the records and diagnostics stay readable. Idempotent. */
    @Override
    public void close() {
        removeHooks();
        timeSteps.close();
        attached = false;
    }

    /** True until {@link #close()}. */
    public boolean isAttached() {
        return attached;
    }

    private void checkAttached(String method) {
        if (!attached) {
            throw new IllegalStateException(method + ": the monitor was closed (detached from its model); attach a "
                    + "new one to keep monitoring");
        }
    }

    // ---------------------------------------------------------------------------------------- results

    /** N: every N-th step is sampled. */
    public int every() {
        return every;
    }

    /** The index of the current step (the number of {@link #afterStep} calls so far). */
    public long step() {
        return step;
    }

    /** The thresholds of the rules. */
    public Thresholds thresholds() {
        return rules.thresholds();
    }

    /** The layer names, in network order. */
    public List<String> layerNames() {
        return layers.stream().map(l -> l.name).toList();
    }

    /**
     * The gradient with respect to each recurrent layer's hidden state at each time step, on the sampled steps
     * (no layers for a model without a {@link org.tapegrad.nn.RecurrentLayer}).
     */
    public TimeStepGradients timeSteps() {
        return timeSteps;
    }

    /** One record per sampled step, oldest first (an unmodifiable view). */
    public List<StepRecord> records() {
        return java.util.Collections.unmodifiableList(records);
    }

    /** The first occurrence of each (kind, layer) diagnostic, in the order they were found. */
    public List<Diagnostic> diagnostics() {
        return List.copyOf(diagnostics);
    }

    /**
     * Every (kind, layer) condition found so far, in the order first found, with whether and when it cleared: the
     * verdicts of the run as data (see {@link Verdict}).
     */
    public List<Verdict> verdicts() {
        return verdictOrder.stream().map(VerdictState::snapshot).toList();
    }

    /** The verdicts that hold at the latest sample. */
    public List<Verdict> activeVerdicts() {
        return verdicts().stream().filter(v -> !v.cleared()).toList();
    }

    /**
     * Runs {@code listener} on the training thread after each sampled step, with that step's record (findings
     * included), after the monitor's own bookkeeping; {@link LiveReports} writes reports from here. A listener that
     * throws propagates out of {@link #afterStep}.
     *
     * @return a handle that removes the listener
     */
    public HookHandle onSample(Consumer<StepRecord> listener) {
        Objects.requireNonNull(listener, "listener");
        sampleListeners.add(listener);
        return () -> sampleListeners.remove(listener);
    }

    /** The diagnostics of one kind. */
    public List<Diagnostic> diagnostics(Kind kind) {
        return diagnostics.stream().filter(d -> d.kind() == kind).toList();
    }

    /** True when a diagnostic of {@code kind} was found for {@code layer}. */
    public boolean flagged(Kind kind, String layer) {
        Set<String> layers = reported.get(kind);
        return layers != null && layers.contains(layer);
    }

    /** A verdict while the run goes on. */
    private static final class VerdictState {
        final Diagnostic first;
        long lastHeldStep;
        long clearedStep = -1;
        int occurrences = 1;
        int clearings;

        VerdictState(Diagnostic first) {
            this.first = first;
            this.lastHeldStep = first.step();
        }

        Verdict snapshot() {
            return new Verdict(first, lastHeldStep, clearedStep, occurrences);
        }
    }

    /** A layer and its figures for the step being recorded. */
    private static final class WatchedLayer {
        final String name;
        final String type;
        final Layer module;
        final List<Integer> params;
        ActivationStats activation;
        double outputSquares;
        long outputNonFinite;
        boolean outputSeen;
        int backwardOrder = -1;

        WatchedLayer(String name, Layer module, List<Integer> params) {
            this.name = name;
            this.type = module.getClass().getSimpleName();
            this.module = module;
            this.params = params;
        }

        void reset() {
            activation = null;
            outputSquares = 0;
            outputNonFinite = 0;
            outputSeen = false;
            backwardOrder = -1;
        }
    }
}
