package org.tapegrad.core;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Gradient buffers for a fixed set of leaves (a model's parameters), one per leaf, that a backward on one thread
 * adds into instead of the leaves' own {@code grad}. Data-parallel training gives each worker thread one, so that
 * workers backpropagating different slices of a batch at the same time never write the same memory; the buffers
 * are then summed into the leaves' {@code grad}. PyTorch's DataParallel gets the same separation by replicating the
 * module; here the leaves stay shared and only their gradients are per thread.
 *
 * <pre>{@code
 * LeafGradients mine = new LeafGradients(model.parameters());
 * try (Scope collecting = mine.collect(); Tape tape = Tape.record()) {
 *     tape.backward(loss);           // dLoss/dp is added into mine.gradient(p); p.grad() is not touched
 * }
 * }</pre>
 *
 * <p>While {@link #collect()} is open on a thread, a plain backward on that thread ({@link Tape#backward}, not the
 * functional {@link Autograd#grad}) adds the gradient of each listed leaf, after its hooks, into that leaf's buffer;
 * leaves not listed get theirs in {@code grad} as usual. The engine treats the buffer as it treats a kept {@code grad}:
 * the same additions, so the same bits as a backward into zeroed kept buffers. Buffers are ordinary tensors (never lent by a {@link Workspace}), allocated
 * here once, so collecting allocates nothing. Not thread-safe: one thread collects into a given object at a time.
 */
public final class LeafGradients {
    private final List<Tensor> leaves;
    private final Map<Tensor, Integer> index = new IdentityHashMap<>();
    private final Tensor[] buffers;
    /** Whether buffer i has received a gradient since the last {@link #zero()}. */
    private final boolean[] received;

    /**
     * Zero buffers for {@code leaves}, each of its leaf's shape and dtype.
     *
     * @throws IllegalArgumentException when a tensor is not a leaf that requires grad, or is listed twice
     */
    public LeafGradients(List<Tensor> leaves) {
        Objects.requireNonNull(leaves, "leaves");
        this.leaves = List.copyOf(leaves);
        buffers = new Tensor[this.leaves.size()];
        received = new boolean[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            Tensor leaf = this.leaves.get(i);
            if (!leaf.isLeaf() || !leaf.requiresGrad()) {
                throw new IllegalArgumentException("LeafGradients: tensor " + i + " " + Shape.str(leaf.shape())
                        + (leaf.isLeaf() ? " does not require grad" : " is not a leaf (it was computed by "
                        + leaf.gradFnName() + ")") + "; expected parameters (leaves with requiresGrad)");
            }
            if (index.put(leaf, i) != null) {
                throw new IllegalArgumentException("LeafGradients: tensor " + i + " " + Shape.str(leaf.shape())
                        + " is listed twice");
            }
            buffers[i] = Tensor.zeros(leaf.dtype(), leaf.shape());
        }
    }

    /**
     * Until the returned scope is closed, backward on the current thread adds the listed leaves' gradients here.
     *
     * @throws IllegalStateException when another {@code LeafGradients} is collecting on this thread
     */
    public Scope collect() {
        GradState state = GradState.get();
        if (state.leafGradients != null) {
            throw new IllegalStateException("LeafGradients.collect: another LeafGradients is already collecting on "
                    + "this thread; close its scope first (collecting scopes do not nest)");
        }
        state.leafGradients = this;
        return GradState.onClose(() -> state.leafGradients = null);
    }

    /** The leaves, in the order given. */
    public List<Tensor> leaves() {
        return leaves;
    }

    /** The buffer of leaf {@code i} (in the order of {@link #leaves()}): zeros until a backward adds into it. */
    public Tensor gradient(int i) {
        return buffers[i];
    }

    /**
     * The buffer of {@code leaf}.
     *
     * @throws IllegalArgumentException when the leaf is not one of {@link #leaves()}
     */
    public Tensor gradient(Tensor leaf) {
        Integer i = index.get(leaf);
        if (i == null) {
            throw new IllegalArgumentException("LeafGradients.gradient: " + Shape.str(leaf.shape())
                    + " is not one of the " + leaves.size() + " leaves this object collects for");
        }
        return buffers[i];
    }

    /** Whether leaf {@code i} has received a gradient since the last {@link #zero()}. */
    public boolean received(int i) {
        return received[i];
    }

    /** Sets the buffers that received a gradient back to zeros (the others still are). */
    public void zero() {
        for (int i = 0; i < buffers.length; i++) {
            if (received[i]) {
                buffers[i].dtype().kernels().fill(buffers[i].matrix(), 0);
                received[i] = false;
            }
        }
    }

    /**
     * The buffer the engine adds {@code leaf}'s gradient into during a plain backward, marked as received; null when
     * the leaf is not listed.
     */
    Tensor buffer(Tensor leaf) {
        Integer i = index.get(leaf);
        if (i == null) {
            return null;
        }
        received[i] = true;
        return buffers[i];
    }

    @Override
    public String toString() {
        return "LeafGradients(" + leaves.size() + " leaves)";
    }
}
