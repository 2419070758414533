package org.tapegrad.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tapegrad.core.internal.kernel.Shape;

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
     * The reverse walk. When {@code wanted} is null (a plain backward), leaf gradients accumulate into {@code .grad}
     * (after their hooks), or into the thread's {@link LeafGradients}; otherwise nothing is written to {@code .grad}
     * and the gradients of the wanted tensors are returned.
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
        if (output.gradFn() != null && output.gradFn().tape != this) {
            throw new IllegalStateException(caller + ": the output was produced by " + output.gradFn().op
                    + " on a different tape");
        }
        Tensor seedGrad = seedFor(caller, output, seed);
        GradState state = GradState.get();
        Walk walk = state.walk == null || state.walk.tape != null ? new Walk() : state.walk;
        state.walk = walk;
        Scope noGrad = createGraph ? null : noGrad();
        try {
            walk.begin(this, caller, seedGrad, wanted, createGraph);
            return walk.run(output);
        } finally {
            walk.end();
            if (noGrad != null) {
                noGrad.close();
            }
            if (!retainGraph) {
                release();
            }
        }
    }

    /** What the walk knows about one leaf's gradient. */
    private static final class LeafSum {
        Tensor sum;
        /** {@code sum} is a buffer the engine may add into: allocated by it, or the leaf's final destination. */
        boolean owned;
        /** {@code sum} is the leaf's final destination (its kept grad, or its LeafGradients buffer). */
        boolean delivered;
        /** The leaf's post-accumulate hooks have run in this walk. */
        boolean postHooksRun;
    }

    /**
     * One reverse walk: the only place that decides where a gradient goes. An intermediate tensor's gradients are
     * summed on its node ({@link Node#pending}); a leaf's in a {@link LeafSum}. A sum starts as the first gradient
     * that arrives (a rule's fresh result, not copied); it becomes a buffer the engine owns, zero-filled or a copy,
     * only when a second gradient has to be added to it, or when an {@link AccumulatingRule} can add into it
     * directly: a tensor with several consumers, or a leaf in a plain backward, whose buffer is its final
     * destination (its kept {@code grad()}, its {@link LeafGradients} buffer, or a new buffer that becomes its
     * {@code grad()}). Anomaly mode takes the same path and checks what each rule produced. Under {@code createGraph}
     * every gradient comes from {@link BackwardRule#apply} and sums are recorded additions, so they can be
     * differentiated again.
     */
    static final class Walk {
        private final GradState state = GradState.get();
        // Kept from walk to walk on this thread (a walk that starts inside another gets its own): a training step
        // then allocates no bookkeeping here.
        private final Map<Tensor, LeafSum> leaves = new IdentityHashMap<>();
        private final ArrayList<LeafSum> spare = new ArrayList<>();
        private final boolean[][] needsByArity = new boolean[9][];
        /** The tape being walked; null between walks. */
        private Tape tape;
        private ArrayList<Node> nodes;
        private String caller;
        private Tensor seed;
        private boolean plain;
        private boolean createGraph;
        private boolean anomaly;
        private LeafGradients collecting;
        private Set<Tensor> wantedSet;
        private Map<Tensor, Tensor> found;
        /** Nodes holding a pending gradient. */
        private int outstanding;
        /**
         * For each leaf with post-accumulate hooks, how many of its uses on the tape the walk has still to pass (empty
         * when no leaf has such hooks); counters are kept from walk to walk.
         */
        private final Map<Tensor, int[]> usesLeft = new IdentityHashMap<>();
        private final ArrayList<int[]> spareCounters = new ArrayList<>();

        private void begin(Tape tape, String caller, Tensor seed, List<Tensor> wanted, boolean createGraph) {
            this.tape = tape;
            this.nodes = tape.nodes;
            this.caller = caller;
            this.seed = seed;
            this.plain = wanted == null;
            this.createGraph = createGraph;
            this.anomaly = state.anomaly();
            this.collecting = plain ? state.leafGradients : null;
            this.wantedSet = plain ? null : Collections.newSetFromMap(new IdentityHashMap<>());
            this.found = plain ? null : new IdentityHashMap<>();
            if (!plain) {
                wantedSet.addAll(wanted);
            }
            this.outstanding = 0;
        }

        /** Drops every reference the walk held, so that nothing it saw outlives it, and keeps its containers. */
        private void end() {
            for (LeafSum s : leaves.values()) {
                s.sum = null;
                s.owned = false;
                s.delivered = false;
                s.postHooksRun = false;
                spare.add(s);
            }
            leaves.clear();
            spareCounters.addAll(usesLeft.values());
            usesLeft.clear();
            tape = null;
            nodes = null;
            seed = null;
            collecting = null;
            wantedSet = null;
            found = null;
        }

        private boolean[] needs(int arity) {
            if (arity >= needsByArity.length) {
                return new boolean[arity];
            }
            boolean[] needs = needsByArity[arity];
            if (needs == null) {
                needs = needsByArity[arity] = new boolean[arity];
            }
            return needs;
        }

        Map<Tensor, Tensor> run(Tensor output) {
            for (int k = 0, n = nodes.size(); k < n; k++) {
                Node node = nodes.get(k);
                node.pending = null;
                node.pendingOwned = false;
                node.uses = 0;
            }
            for (int k = 0, n = nodes.size(); k < n; k++) {
                for (Tensor in : nodes.get(k).inputs) {
                    Node producer = in.gradFn();
                    if (producer != null && producer.tape == tape) {
                        producer.uses++;
                    } else if (plain && producer == null && in.hasPostAccumulateHooks()) {
                        countUse(in);
                    }
                }
            }
            add(output, seed);
            for (int k = nodes.size() - 1; k >= 0 && outstanding > 0; k--) {
                Node node = nodes.get(k);
                Tensor g = node.pending;
                if (g != null) {
                    node.pending = null;
                    node.pendingOwned = false;
                    outstanding--;
                    Tensor out = node.output;
                    g = out.runHooks(g); // in the functional form too, as PyTorch's autograd.grad
                    if (plain) {
                        if (out.retainsGrad()) {
                            accumulateGrad(out, g, false);
                        }
                    } else if (wantedSet.contains(out)) {
                        found.put(out, g);
                    }
                    backprop(node, g);
                }
                if (!usesLeft.isEmpty()) {
                    passed(node);
                }
            }
            finishLeaves();
            return found;
        }

        private void countUse(Tensor leaf) {
            int[] c = usesLeft.get(leaf);
            if (c == null) {
                c = spareCounters.isEmpty() ? new int[1] : spareCounters.remove(spareCounters.size() - 1);
                c[0] = 0;
                usesLeft.put(leaf, c);
            }
            c[0]++;
        }

        /**
         * The walk has passed {@code node}: a leaf with post-accumulate hooks whose last use it was, and whose sum
         * is its final destination (so complete now), gets its hooks called while the walk goes on.
         */
        private void passed(Node node) {
            for (Tensor in : node.inputs) {
                int[] c = usesLeft.get(in);
                if (c == null || --c[0] != 0) {
                    continue;
                }
                LeafSum s = leaves.get(in);
                if (s != null && s.delivered && !s.postHooksRun) {
                    s.postHooksRun = true;
                    in.runPostAccumulateHooks(s.sum);
                }
            }
        }

        /** Runs one node's rule on {@code g}, the gradient of its output, and routes the results to its inputs. */
        private void backprop(Node node, Tensor g) {
            Tensor[] inputs = node.inputs;
            node.checkUnmodified();
            boolean[] needs = needs(inputs.length); // read by the rule during the call only
            int count = 0;
            for (int i = 0; i < inputs.length; i++) {
                needs[i] = needsGradient(inputs[i]);
                count += needs[i] ? 1 : 0;
            }
            if (count == 0) {
                return;
            }
            state.backwardNode = node;
            try {
                if (!createGraph && node.rule instanceof AccumulatingRule acc) {
                    for (int i = 0; i < inputs.length; i++) {
                        Tensor dest = needs[i] ? destination(inputs[i]) : null;
                        if (dest != null && acc.accumulateInto(i, g, dest)) {
                            needs[i] = false;
                            count--;
                            if (anomaly) {
                                Anomaly.checkBackward(node, i, dest);
                            }
                        }
                    }
                }
                if (count == 0) {
                    return;
                }
                Tensor[] grads = node.rule.apply(g, needs);
                if (grads == null || grads.length != inputs.length) {
                    throw new IllegalStateException("backward of " + node.op + ": the rule returned "
                            + (grads == null ? "null" : grads.length + " gradients") + " for " + inputs.length
                            + " inputs; expected one entry per input (null for an input that needs no gradient)");
                }
                for (int i = 0; i < inputs.length; i++) {
                    Tensor gi = grads[i];
                    if (!needs[i] || gi == null) {
                        continue;
                    }
                    Tensor in = inputs[i];
                    if (!java.util.Arrays.equals(gi.shapeRef(), in.shapeRef()) || gi.dtype() != in.dtype()) {
                        throw new IllegalStateException("backward of " + node.op + ": the rule returned a gradient "
                                + Shape.str(gi.shapeRef()) + " " + gi.dtype() + " for input " + i + " "
                                + Shape.str(in.shapeRef()) + " " + in.dtype() + "; expected the input's shape and dtype");
                    }
                    if (anomaly) {
                        Anomaly.checkBackward(node, i, gi);
                    }
                    add(in, gi);
                }
            } finally {
                state.backwardNode = null;
            }
        }

        /** Whether this walk computes a gradient for {@code in}: not for a leaf the functional form did not ask for. */
        private boolean needsGradient(Tensor in) {
            if (!in.requiresGrad()) {
                return false;
            }
            Node producer = in.gradFn();
            if (producer != null) {
                if (producer.tape != tape) {
                    throw new IllegalStateException(caller + ": a tensor produced by " + producer.op + " on an "
                            + "earlier, released tape needs a gradient; call detach() on it, or compute it inside "
                            + "this recording");
                }
                return true;
            }
            return plain || wantedSet.contains(in);
        }

        /**
         * A buffer the engine owns for {@code in}'s gradient, that an accumulating rule may add into: its sum so
         * far made into one if needed, or a new zero-filled one for a tensor with several consumers or a leaf of a
         * plain backward; null when the first and only gradient had better come from {@code apply}.
         */
        private Tensor destination(Tensor in) {
            Node producer = in.gradFn();
            if (producer != null) {
                if (producer.pending == null) {
                    if (producer.uses < 2) {
                        return null;
                    }
                    producer.pending = Tensor.output(in.dtype(), in.shapeRef());
                    producer.pendingOwned = true;
                    outstanding++;
                } else if (!producer.pendingOwned) {
                    producer.pending = ownedCopy(producer.pending, false);
                    producer.pendingOwned = true;
                }
                return producer.pending;
            }
            LeafSum s = leafSum(in);
            if (s.sum == null) {
                if (!plain || in.hasHooks()) {
                    return null;
                }
                // Zeros, like a kept buffer: the same additions as with one, so the same bits.
                s.sum = Tensor.empty(in.dtype(), in.shapeRef());
                s.owned = true;
            } else if (!s.owned) {
                s.sum = ownedCopy(s.sum, true);
                s.owned = true;
            }
            return s.sum;
        }

        /** Adds {@code gi}, a gradient a rule returned, to {@code in}'s sum. */
        private void add(Tensor in, Tensor gi) {
            Node producer = in.gradFn();
            if (producer != null) {
                if (producer.pending == null) {
                    producer.pending = gi;
                    outstanding++;
                } else if (createGraph) {
                    producer.pending = producer.pending.add(gi);
                } else {
                    if (!producer.pendingOwned) {
                        producer.pending = ownedCopy(producer.pending, false);
                        producer.pendingOwned = true;
                    }
                    addInto(gi, producer.pending);
                }
                return;
            }
            LeafSum s = leafSum(in);
            if (s.sum == null) {
                s.sum = gi;
            } else if (createGraph) {
                s.sum = s.sum.add(gi);
            } else {
                if (!s.owned) {
                    s.sum = ownedCopy(s.sum, true);
                    s.owned = true;
                }
                addInto(gi, s.sum);
            }
        }

        /** The walk's record of a leaf; in a plain backward, bound to the leaf's final destination when it has one. */
        private LeafSum leafSum(Tensor leaf) {
            LeafSum s = leaves.get(leaf);
            if (s == null) {
                s = spare.isEmpty() ? new LeafSum() : spare.remove(spare.size() - 1);
                leaves.put(leaf, s);
                if (plain && !leaf.hasHooks()) {
                    Tensor dest = collecting == null ? null : collecting.buffer(leaf);
                    if (dest == null) {
                        Tensor kept = leaf.grad();
                        dest = kept != null && !kept.requiresGrad() ? kept : null;
                    }
                    if (dest != null) {
                        s.sum = dest;
                        s.owned = true;
                        s.delivered = true;
                    }
                }
            }
            return s;
        }

        /**
         * Leaves' sums to their destinations (plain) or into the result (functional). A leaf may adopt its sum's
         * storage instead of copying it when nothing else can see that storage: not the caller's seed, not another
         * leaf's gradient, not a tensor a hook handed back.
         */
        private void finishLeaves() {
            Map<Object, Integer> storageUses = null;
            for (Map.Entry<Tensor, LeafSum> e : leaves.entrySet()) {
                Tensor leaf = e.getKey();
                LeafSum s = e.getValue();
                if (s.sum == null) {
                    continue;
                }
                if (s.delivered) {
                    if (!s.postHooksRun && leaf.hasPostAccumulateHooks()) {
                        leaf.runPostAccumulateHooks(s.sum); // a use the walk did not reach (it stopped early)
                    }
                    continue;
                }
                Tensor h = leaf.runHooks(s.sum);
                if (!plain) {
                    found.put(leaf, h); // only wanted leaves get a sum in the functional form
                    continue;
                }
                boolean adopt = h == s.sum && s.owned;
                if (h == s.sum && !s.owned && h.storage() != seed.storage()) {
                    if (storageUses == null) {
                        storageUses = new IdentityHashMap<>();
                        for (LeafSum other : leaves.values()) {
                            if (other.sum != null && !other.owned) {
                                storageUses.merge(other.sum.storage(), 1, Integer::sum);
                            }
                        }
                    }
                    adopt = storageUses.get(h.storage()) == 1;
                }
                adopt &= h.ownsStorage(); // a view (a slice, a transpose) is never kept as a grad()
                Tensor dest = collecting == null ? null : collecting.buffer(leaf);
                if (dest != null) {
                    addInto(h, dest);
                } else {
                    accumulateGrad(leaf, adopt && !s.owned ? h.detach() : h, adopt);
                }
                if (leaf.hasPostAccumulateHooks()) {
                    leaf.runPostAccumulateHooks(dest != null ? dest : leaf.grad());
                }
            }
        }
    }

    /** {@code dest += g}, in place (same shape and dtype, checked by the caller); g may be a view of any layout. */
    private static void addInto(Tensor g, Tensor dest) {
        if (g.isDense() && dest.isDense()) {
            dest.dtype().kernels().axpy(1, g.matrix(), dest.matrix());
        } else {
            dest.accumulate(g); // read where it lies
        }
    }

    /** A copy of {@code g} the engine may add into: on the heap for a leaf, for the step otherwise. */
    private static Tensor ownedCopy(Tensor g, boolean heap) {
        Tensor c = heap ? Tensor.empty(g.dtype(), g.shapeRef()) : Tensor.uninitializedOutput(g.dtype(), g.shapeRef());
        g.copyInto(c);
        return c;
    }

    /**
     * Adds {@code g} into {@code t.grad()}: the only write of a backward pass into a {@code grad} that is not its
     * kept buffer. With {@code adopt}, nothing else holds g's storage, so a first gradient is kept, not copied.
     */
    private static void accumulateGrad(Tensor t, Tensor g, boolean adopt) {
        Tensor grad = t.grad();
        if (grad == null) {
            grad = adopt ? g : ownedCopy(g, true);
        } else if (grad.requiresGrad()) {
            grad = grad.detach().add(g);
        } else {
            addInto(g, grad);
        }
        t.setGradOutlivingSteps(grad);
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
