package org.tapegrad.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.ejml.data.Matrix;
import org.ejml.data.ReshapeMatrix;
import org.tapegrad.core.internal.kernel.Shape;

/**
 * Storage for the intermediate tensors of a training step that the next step reuses, so that a loop whose shapes
 * repeat allocates no tensor memory once warm (DL4J calls this a workspace; JAX speaks of donated buffers).
 *
 * <pre>{@code
 * Workspace workspace = new Workspace();
 * for (Batch b : loader) {
 *     try (var step = workspace.enter(); var tape = Tape.record()) {
 *         Tensor loss = Losses.crossEntropy(model.call(b.inputs()), b.labels());
 *         tape.backward(loss);
 *         total += loss.item();                 // read what you need inside the step
 *     }                                         // the tape, then the step, end here
 *     optimizer.step();
 * }
 * }</pre>
 *
 * <p>While a step is open on a thread, every tensor an op computes on that thread (forward results, the gradients
 * in flight during backward) takes its {@link Storage} from this workspace, zero-filled. When the step ends, that
 * storage returns to the workspace for the next step and those tensors become unreadable, together with every view
 * of them (a view shares its tensor's storage object, so the workspace tracks storage, never views): any use of
 * one throws an {@link IllegalStateException} saying so, instead of showing a later step's values. Tensors that
 * must outlive the step are kept with {@link #keep}; gradients stored in a leaf's {@code grad} are kept
 * automatically, and tensors made by the factories ({@code zeros}, {@code of}, ...) never come from a workspace,
 * so parameters and optimizer state created during a step are ordinary tensors.
 *
 * <p>The workspace holds at most the storage of its last step (what a step did not reuse is dropped), so a change
 * of shapes, such as a smaller last batch, costs allocations for one step and no lasting memory. One thread at a
 * time may have a step open; the workspace is not otherwise thread-safe.
 */
public final class Workspace {
    /** Free storage of one dtype and element count. */
    private static final class Bin {
        final DType dtype;
        final int numel;
        Matrix[] free = new Matrix[4];
        int count;

        Bin(DType dtype, int numel) {
            this.dtype = dtype;
            this.numel = numel;
        }

        void give(Matrix m) {
            if (count == free.length) {
                free = Arrays.copyOf(free, 2 * count);
            }
            free[count++] = m;
        }
    }

    /** Free index arrays of one length (the argmax of max pooling, kept for its backward). */
    private static final class IndexBin {
        final int length;
        final ArrayList<int[]> free = new ArrayList<>(2);
        /** Arrays lent in the current step. */
        final ArrayList<int[]> lent = new ArrayList<>(2);

        IndexBin(int length) {
            this.length = length;
        }
    }

    private final ArrayList<Bin> bins = new ArrayList<>();
    private final ArrayList<IndexBin> indexBins = new ArrayList<>();
    /** Storage this step lent. */
    private final ArrayList<Storage> lent = new ArrayList<>();
    /** Lent storage (by identity) that outlives the current step. */
    private final Set<Storage> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Scope step = this::exit;
    private Thread thread;
    private long steps;

    /** An empty workspace: the first step allocates, the following ones reuse. */
    public Workspace() {
    }

    /**
     * Opens a step on the current thread; close the returned scope (try-with-resources) to end it. Steps do not
     * nest: one workspace step per thread at a time.
     */
    public Scope enter() {
        GradState state = GradState.get();
        if (thread != null) {
            throw new IllegalStateException("Workspace.enter: this workspace already has a step open on thread "
                    + thread.getName() + "; close it first (steps do not nest)");
        }
        if (state.workspace != null) {
            throw new IllegalStateException("Workspace.enter: another workspace has a step open on this thread; "
                    + "close it first (steps do not nest)");
        }
        thread = Thread.currentThread();
        state.workspace = this;
        return step;
    }

    /**
     * Keeps {@code t} (and every view of its storage) readable after the current step ends; its storage is then
     * not reused. A tensor that did not come from a workspace step is returned as it is.
     *
     * @return {@code t}
     */
    public Tensor keep(Tensor t) {
        Workspace owner = t.storage().workspace;
        if (owner == null) {
            return t;
        }
        if (owner != this) {
            return owner.keep(t);
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("Workspace.keep: the step is open on thread " + thread.getName()
                    + ", not on this one");
        }
        kept.add(t.storage());
        return t;
    }

    /** True while a step is open. */
    public boolean isOpen() {
        return thread != null;
    }

    /** Steps ended so far. */
    public long steps() {
        return steps;
    }

    /** Bytes of storage held for the next step. */
    public long pooledBytes() {
        long bytes = 0;
        for (Bin b : bins) {
            bytes += (long) b.count * b.numel * (b.dtype == DType.FLOAT32 ? Float.BYTES : Double.BYTES);
        }
        return bytes;
    }

    /** The arrays held for the next step, by identity (for tests). */
    Set<Object> pooledStorage() {
        Set<Object> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Bin b : bins) {
            for (int i = 0; i < b.count; i++) {
                arrays.add(Storage.arrayOf(b.free[i]));
            }
        }
        return arrays;
    }

    /** A tensor of the given shape whose storage is lent for the current step, zero-filled if asked. */
    Tensor lend(DType dtype, int[] shape, boolean zeroFill) {
        int rows = Shape.rows(shape);
        int cols = Shape.cols(shape);
        Bin bin = bin(dtype.storage(), rows * cols);
        Matrix m;
        if (bin.count > 0) {
            m = bin.free[--bin.count];
            bin.free[bin.count] = null;
            ((ReshapeMatrix) m).reshape(rows, cols);
            if (zeroFill) {
                dtype.kernels().fill(m, 0);
            }
        } else {
            m = dtype.kernels().create(rows, cols);
        }
        Storage storage = new Storage(m);
        storage.workspace = this;
        lent.add(storage);
        return new Tensor(storage, dtype, shape);
    }

    /**
     * An int array of the given length for the current step, contents unspecified: for indices an op saves for its
     * backward (which cannot run after the step: see {@link Node#checkUnmodified}). From the heap outside a step.
     */
    static int[] indices(int length) {
        Workspace w = GradState.get().workspace;
        if (w == null) {
            return new int[length];
        }
        IndexBin bin = null;
        for (int i = 0, n = w.indexBins.size(); i < n && bin == null; i++) {
            if (w.indexBins.get(i).length == length) {
                bin = w.indexBins.get(i);
            }
        }
        if (bin == null) {
            bin = new IndexBin(length);
            w.indexBins.add(bin);
        }
        int[] a = bin.free.isEmpty() ? new int[length] : bin.free.remove(bin.free.size() - 1);
        bin.lent.add(a);
        return a;
    }

    private Bin bin(DType dtype, int numel) {
        for (int i = 0, n = bins.size(); i < n; i++) {
            Bin b = bins.get(i);
            if (b.numel == numel && b.dtype == dtype) {
                return b;
            }
        }
        Bin b = new Bin(dtype, numel);
        bins.add(b);
        return b;
    }

    private void exit() {
        if (thread == null) {
            return; // closed twice
        }
        GradState state = GradState.get();
        if (state.workspace != this) {
            throw new IllegalStateException("Workspace step: closed on thread " + Thread.currentThread().getName()
                    + ", but it was opened on thread " + thread.getName());
        }
        // What this step did not take is not needed: drop it, so the pool holds at most one step's storage.
        for (Bin b : bins) {
            Arrays.fill(b.free, 0, b.count, null);
            b.count = 0;
        }
        for (int i = 0, n = lent.size(); i < n; i++) {
            Storage storage = lent.get(i);
            Matrix m = storage.matrixOrNull();
            if (kept.contains(storage)) {
                storage.workspace = null; // ordinary storage from now on
            } else {
                storage.release(); // every tensor over it, views included, is unreadable from now on
                bin(m instanceof org.ejml.data.FMatrixRMaj ? DType.FLOAT32 : DType.FLOAT64,
                        m.getNumRows() * m.getNumCols()).give(m);
            }
        }
        for (IndexBin b : indexBins) {
            b.free.clear();
            b.free.addAll(b.lent);
            b.lent.clear();
        }
        indexBins.removeIf(b -> b.free.isEmpty());
        int used = 0;
        for (int i = 0, n = bins.size(); i < n; i++) { // drop the bins of shapes this step did not use
            if (bins.get(i).count > 0) {
                bins.set(used++, bins.get(i));
            }
        }
        while (bins.size() > used) {
            bins.remove(bins.size() - 1);
        }
        lent.clear();
        kept.clear();
        thread = null;
        state.workspace = null;
        steps++;
    }

    @Override
    public String toString() {
        return "Workspace(" + steps + " steps, " + pooledBytes() + " bytes pooled" + (isOpen() ? ", step open" : "")
                + ")";
    }
}
