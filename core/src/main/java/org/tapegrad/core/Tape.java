package org.tapegrad.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A recording of the ops of one forward pass, in execution order, and the reverse walk over it.
 *
 * <pre>{@code
 * try (var tape = Tape.record()) {
 *     Tensor loss = Losses.crossEntropy(x.matmul(w).add(b), labels);
 *     tape.backward(loss);          // w.grad() and b.grad() now hold dLoss/dw and dLoss/db
 * }
 * }</pre>
 *
 * <p>Inside a recording scope, an op whose inputs include a tensor that requires grad appends one node to the
 * tape; outside one, nothing is recorded, so inference keeps no graph. One tape records per thread at a time
 * (scopes do not nest); other threads record their own. {@link #backward} walks the tape backwards once: each
 * node's rule turns the gradient of its output into gradients of its inputs, summed where a tensor fed several
 * ops. Gradients of intermediate tensors are dropped as soon as they have been used (unless
 * {@link Tensor#retainGrad()}), leaf gradients accumulate into {@link Tensor#grad()} until zeroed (or into a
 * {@link LeafGradients} collecting on this thread), and the tape
 * releases its nodes and everything they hold, unless asked to retain them.
 */
public final class Tape implements Scope {
    private final GradState owner;
    private final ArrayList<Node> nodes = new ArrayList<>();
    private boolean released;
    private boolean closed;

    private Tape(GradState owner) {
        this.owner = owner;
    }

    /** Starts recording on the current thread; close the returned tape (try-with-resources) to stop. */
    public static Tape record() {
        GradState state = GradState.get();
        if (state.tape != null) {
            throw new IllegalStateException("Tape.record: a tape is already recording on this thread; "
                    + "recording scopes do not nest (close the first one, or use Tape.noGrad() for a part that "
                    + "should not be recorded)");
        }
        Tape tape = new Tape(state);
        state.tape = tape;
        return tape;
    }

    /** Suspends recording on the current thread until the returned scope is closed: ops run, nothing is recorded. */
    public static Scope noGrad() {
        GradState state = GradState.get();
        state.noGradDepth++;
        return GradState.onClose(() -> state.noGradDepth--);
    }

    /** True when ops on the current thread are being recorded (inside {@link #record()}, outside {@link #noGrad()}). */
    public static boolean isRecording() {
        return GradState.get().recording();
    }

    /** Number of ops recorded and not yet released. */
    public int size() {
        return nodes.size();
    }

    /** Backpropagates from a scalar {@code output} (seed 1) into the {@code grad} of every leaf that requires grad. */
    public void backward(Tensor output) {
        backward(output, null, false);
    }

    /** Backpropagates from {@code output} with the upstream gradient {@code gradient} (same shape as output). */
    public void backward(Tensor output, Tensor gradient) {
        backward(output, gradient, false);
    }

    /**
     * Backpropagates from {@code output}; {@code gradient} may be null for a scalar output. With
     * {@code retainGraph} the tape is kept, so another backward over the same graph is possible.
     */
    public void backward(Tensor output, Tensor gradient, boolean retainGraph) {
        run("backward", output, gradient, null, retainGraph, false);
    }

    @Override
    public void close() {
        release();
        closed = true;
        if (owner.tape == this) {
            owner.tape = null;
        }
    }

    void append(Node node) {
        nodes.add(node);
    }

    private void release() {
        for (Node n : nodes) {
            n.release();
        }
        nodes.clear();
        nodes.trimToSize();
        released = true;
    }

    /**
     * The reverse walk. When {@code wanted} is null, leaf gradients accumulate into {@code .grad} (after their
     * hooks); otherwise nothing is written to {@code .grad} and the gradients of the wanted tensors are returned.
     */
    Map<Tensor, Tensor> run(String caller, Tensor output, Tensor seed, List<Tensor> wanted, boolean retainGraph,
            boolean createGraph) {
        if (released) {
            throw new IllegalStateException(caller + ": this tape was already consumed by an earlier backward and its "
                    + "graph is freed; record the forward pass again, or pass retainGraph = true to the first call");
        }
        if (!output.requiresGrad()) {
            throw new IllegalStateException(caller + ": the output " + Shape.str(output.shape()) + " does not require "
                    + "grad; it was not computed inside Tape.record() from a tensor with requiresGrad(true)");
        }
        if (output.gradFn != null && output.gradFn.tape != this) {
            throw new IllegalStateException(caller + ": the output was produced by " + output.gradFn.op
                    + " on a different tape");
        }
        seed = seedFor(caller, output, seed);
        Map<Tensor, Tensor> pending = new HashMap<>(); // Tensor has identity equality
        pending.put(output, seed);
        Map<Tensor, Tensor> found = wanted == null ? null : new IdentityHashMap<>();
        Set<Tensor> wantedSet = wanted == null ? null : Collections.newSetFromMap(new IdentityHashMap<>());
        if (wanted != null) {
            wantedSet.addAll(wanted);
        }
        GradState current = GradState.get();
        boolean anomaly = current.anomaly();
        Scope noGrad = createGraph ? null : noGrad();
        current.accumulateIntoLeaves = wanted == null && !createGraph && !anomaly;
        try {
            for (int k = nodes.size() - 1; k >= 0 && !pending.isEmpty(); k--) {
                Node node = nodes.get(k);
                Tensor out = node.output;
                Tensor g = pending.remove(out);
                if (g == null) {
                    continue;
                }
                if (wanted == null) {
                    g = out.runHooks(g);
                    if (out.retainsGrad()) {
                        out.accumulateGrad(g, createGraph, false);
                    }
                } else if (wantedSet.contains(out)) {
                    found.put(out, g);
                }
                Tensor[] inputs = node.inputs;
                node.checkUnmodified();
                Tensor[] grads;
                current.backwardNode = node;
                try {
                    grads = node.rule.apply(g);
                } finally {
                    current.backwardNode = null;
                }
                for (int i = 0; i < inputs.length; i++) {
                    Tensor in = inputs[i];
                    Tensor gi = grads[i];
                    if (gi == null || !in.requiresGrad()) {
                        continue;
                    }
                    if (!java.util.Arrays.equals(gi.shape(), in.shape())) {
                        throw new IllegalStateException("backward of " + node.op + ": the rule returned a gradient of shape "
                                + Shape.str(gi.shape()) + " for input " + i + " of shape " + Shape.str(in.shape()));
                    }
                    if (anomaly) {
                        Anomaly.checkBackward(node, i, gi);
                    }
                    pending.merge(in, gi, Tensor::add);
                }
            }
            // A leaf may adopt its gradient's storage instead of copying it, when nothing else can see that
            // storage: not the caller's seed, not another leaf's gradient, not a tensor a hook handed back.
            Map<Object, Integer> storageUses = new IdentityHashMap<>();
            for (Tensor g : pending.values()) {
                storageUses.merge(g.storage(), 1, Integer::sum);
            }
            for (Map.Entry<Tensor, Tensor> e : pending.entrySet()) {
                Tensor t = e.getKey();
                if (t.gradFn != null) {
                    throw new IllegalStateException(caller + ": a tensor produced by " + t.gradFn.op + " on an earlier, "
                            + "released tape needs a gradient; call detach() on it, or compute it inside this recording");
                }
                Tensor g = e.getValue();
                if (wanted == null) {
                    Tensor h = t.runHooks(g);
                    if (current.leafGradients != null && current.leafGradients.add(t, h)) {
                        continue;
                    }
                    boolean adoptable = !createGraph && h == g && g.ownsStorage() && g.storage() != seed.storage()
                            && storageUses.get(g.storage()) == 1;
                    t.accumulateGrad(h, createGraph, adoptable);
                } else if (wantedSet.contains(t)) {
                    found.put(t, g);
                }
            }
        } finally {
            current.accumulateIntoLeaves = false;
            if (noGrad != null) {
                noGrad.close();
            }
            if (!retainGraph) {
                release();
            }
        }
        return found;
    }

    private static Tensor seedFor(String caller, Tensor output, Tensor seed) {
        if (seed == null) {
            if (output.numel() != 1) {
                throw new IllegalArgumentException(caller + ": the output has shape " + Shape.str(output.shape())
                        + "; a gradient can be implied only for a scalar output, pass the upstream gradient explicitly");
            }
            return Tensor.full(output.dtype(), 1, output.shape());
        }
        if (!java.util.Arrays.equals(seed.shape(), output.shape()) || seed.dtype() != output.dtype()) {
            throw new IllegalArgumentException(caller + ": the upstream gradient " + Shape.str(seed.shape()) + " "
                    + seed.dtype() + " does not match the output " + Shape.str(output.shape()) + " " + output.dtype());
        }
        return seed;
    }

    @Override
    public String toString() {
        return "Tape(" + nodes.size() + " ops" + (released ? ", released" : "") + (closed ? ", closed" : "") + ")";
    }
}
