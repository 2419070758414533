package org.tapegrad.nn.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import org.tapegrad.core.LeafGradients;
import org.tapegrad.core.Ranges;
import org.tapegrad.core.Scope;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.gemm.WorkerTeam;
import org.tapegrad.core.Workspace;
import org.tapegrad.nn.BatchNorm;
import org.tapegrad.nn.Layer;

/**
 * Data-parallel training and inference on the cores of one machine, like PyTorch's {@code DataParallel}: a batch is
 * cut into one slice of rows per thread, every thread runs the model forward and backward on its slice at the same
 * time, and the slices' gradients are summed into the parameters' {@code grad}. The optimizer then sees the gradient
 * of the whole batch, as after a single-threaded backward (up to the order of float additions).
 *
 * <pre>{@code
 * try (DataParallel parallel = new DataParallel(model, 2)) {
 *     for (Batch b : loader) {
 *         double loss = parallel.backward(b.inputs(), b.labels(), Losses::crossEntropy);
 *         optimizer.step(parallel.team());                  // also cut into one range per thread
 *         parallel.zeroGrad();
 *     }
 *     Tensor logits = parallel.forward(testInputs);      // inference, nothing recorded
 * }
 * }</pre>
 *
 * <p><b>Why slices rather than splitting each matrix product.</b> Cutting every product of a step across cores makes
 * the cores exchange each layer's output before the next layer can start. Here each thread keeps its slice's
 * activations and gradients in its own core's cache for the whole forward and backward pass; the cores share only
 * the parameters (read) and exchange each parameter's gradient once, in the sum at the end of the step, which is
 * itself cut into one range of elements per thread. Inference, where nothing is written to shared memory, gains
 * from a second core. A training step still rewrites memory the other core has read (each thread's range of the
 * parameters, and its gradient buffer after the sum), and where a core pays much more for that than for its own
 * memory (the examples' {@code CoreHandoff} measures it; figures in docs/PERFORMANCE.md) a step on two threads gains
 * little over one.
 *
 * <p><b>How.</b> The threads are a {@link WorkerTeam} created once (the caller and {@code threads - 1} workers). Each
 * slice records on its own thread's tape, takes its tensors from a {@link Workspace} of its own (so a step allocates
 * nothing once warm), and collects its parameter gradients into a {@link LeafGradients} of its own; the sum then adds
 * them into {@code grad} (created when null, otherwise added to, like a backward); each thread zeroes its own buffers
 * before its next slice.
 * The loss of slice {@code k} of {@code n_k} rows is weighted by {@code n_k / n}, so for a loss that is a mean over
 * the rows of its batch (every loss in this library, by default) the gradients and the returned loss are those of
 * the whole batch.
 *
 * <p><b>What the model must allow.</b> Its forward runs on several threads at once, so it must not change shared
 * state: a {@link BatchNorm} in training mode is refused (each slice would normalise with its own statistics and
 * update the running ones from several threads); forward and backward hooks run on the worker threads (a hook that
 * is not thread-safe, such as a gradient monitor's, must not be registered); a dropout layer must draw from a
 * thread-safe generator ({@link java.util.Random} is, {@link java.util.SplittableRandom} is not), and its masks then
 * depend on the threads' timing. Each output row must depend only on its input row.
 *
 * <p>Not thread-safe: one thread at a time calls {@link #backward} or {@link #forward}, outside any
 * {@code Tape.record()} or workspace step of its own.
 */
public final class DataParallel implements AutoCloseable {
    /**
     * How long an idle worker spins for the next loop before it parks: longer than the optimizer step and the data
     * loading between two steps, since waking a parked thread costs more than such a gap.
     */
    private static final long WORKER_SPIN_NANOS = 2_000_000;
    private final Layer model;
    private final List<Tensor> params;
    /** The model's batch-norm layers by name, found once: training mode is refused (see the class comment). */
    private final Map<String, Layer> batchNorms = new LinkedHashMap<>();
    private final int threads;
    /** Null with one thread. */
    private final WorkerTeam team;
    private final Workspace[] workspaces;
    private final LeafGradients[] gradients;
    private final int[][] labelSlices;
    private final double[] losses;
    // The loops of a call, made once (a lambda that uses this object would be a new one at each call).
    private final WorkerTeam.Task train = (slice, member) -> trainSlice(slice);
    private final WorkerTeam.Task infer = (slice, member) -> forwardSlice(slice);
    private final WorkerTeam.Task sum = (range, member) -> sumInto(range);
    private final WorkerTeam.Task zero = (range, member) -> zeroRange(range);

    // The current call, read by the slices' tasks.
    private Tensor input;
    private int[] labels;
    private Tensor target;
    private BiFunction<Tensor, int[], Tensor> classLoss;
    private BiFunction<Tensor, Tensor, Tensor> loss;
    private Tensor output;
    /** The rows of the whole batch that {@link #input} is part of: slice losses are weighted by rows / batchRows. */
    private int batchRows;

    /**
     * A data-parallel runner of {@code model} on {@code threads} threads (the caller and {@code threads - 1} workers,
     * started here and stopped by {@link #close()}). The parameters (and batch-norm layers) are those the model has
     * now: build the model completely first.
     *
     * @throws IllegalArgumentException when {@code threads < 1} or the model has no parameter
     */
    public DataParallel(Layer model, int threads) {
        this.model = Objects.requireNonNull(model, "model");
        if (threads < 1) {
            throw new IllegalArgumentException("DataParallel: threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        params = List.copyOf(model.parameters());
        model.namedModules().forEach((name, m) -> {
            if (m instanceof BatchNorm) {
                batchNorms.put(name, m);
            }
        });
        if (params.isEmpty()) {
            throw new IllegalArgumentException("DataParallel: the model has no parameters to train");
        }
        team = threads == 1 ? null : new WorkerTeam(threads, "tapegrad-data-parallel", WORKER_SPIN_NANOS);
        workspaces = new Workspace[threads];
        gradients = new LeafGradients[threads];
        labelSlices = new int[threads][];
        losses = new double[threads];
        for (int k = 0; k < threads; k++) {
            workspaces[k] = new Workspace();
            gradients[k] = new LeafGradients(params);
        }
    }

    /** The number of threads (and of slices a batch is cut into). */
    public int threads() {
        return threads;
    }

    /**
     * The threads this runs on (null with one thread), to pass to {@code optimizer.step(team)}: the update is then
     * cut into the same ranges as the sum. The team's threads claim ranges rather than being assigned them, so a
     * thread usually, not always, updates the range it has just summed.
     */
    public WorkerTeam team() {
        return team;
    }

    /** The model this runs. */
    public Layer model() {
        return model;
    }

    /**
     * Forward and backward of a classifier's batch: adds {@code d loss(model(inputs), labels) / dθ} into the
     * {@code grad} of every parameter θ and returns the loss, as {@code loss.backward()} on the whole batch would.
     *
     * @param inputs rows of the batch (dimension 0)
     * @param labels one class index per row
     * @param loss   a loss that is a mean over the rows of its batch, such as {@code Losses::crossEntropy}
     * @return the batch's loss
     */
    public double backward(Tensor inputs, int[] labels, BiFunction<Tensor, int[], Tensor> loss) {
        Objects.requireNonNull(inputs, "inputs");
        return backward(inputs, labels, loss, inputs.rank() == 0 ? 0 : inputs.size(0));
    }

    /**
     * {@link #backward(Tensor, int[], BiFunction)} for rows that are part of a larger batch of {@code batchRows} rows
     * (the rest on other processes, as in {@code DistributedDataParallel}): each slice's loss is weighted by
     * {@code n_k / batchRows} instead of {@code n_k / n}, so the gradients added into {@code grad} and the returned
     * loss are these rows' share of the whole batch's, and the shares of all parts add up to the whole batch's.
     *
     * @param batchRows the rows of the whole batch, at least {@code inputs.size(0)}
     * @return these rows' share of the batch's loss: {@code Σ_k (n_k / batchRows)·loss_k}
     */
    public double backward(Tensor inputs, int[] labels, BiFunction<Tensor, int[], Tensor> loss, int batchRows) {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(loss, "loss");
        checkBatch("backward", inputs);
        checkBatchRows(inputs, batchRows);
        if (labels.length != inputs.size(0)) {
            throw new IllegalArgumentException("DataParallel.backward: " + labels.length + " labels for a batch of "
                    + inputs.size(0) + " rows; expected one label per row");
        }
        this.input = inputs;
        this.labels = labels;
        this.classLoss = loss;
        this.batchRows = batchRows;
        try {
            return run();
        } finally {
            this.input = null;
            this.labels = null;
            this.classLoss = null;
        }
    }

    /**
     * Forward and backward of a batch with tensor targets (regression): as {@link #backward(Tensor, int[],
     * BiFunction)}, with the rows of {@code targets} sliced like those of {@code inputs}.
     */
    public double backward(Tensor inputs, Tensor targets, BiFunction<Tensor, Tensor, Tensor> loss) {
        Objects.requireNonNull(targets, "targets");
        Objects.requireNonNull(loss, "loss");
        checkBatch("backward", inputs);
        if (targets.rank() == 0 || targets.size(0) != inputs.size(0)) {
            throw new IllegalArgumentException("DataParallel.backward: targets " + Arrays.toString(targets.shape())
                    + " for a batch of " + inputs.size(0) + " rows; expected one target row per input row");
        }
        this.input = inputs;
        this.target = targets;
        this.loss = loss;
        this.batchRows = inputs.size(0);
        try {
            return run();
        } finally {
            this.input = null;
            this.target = null;
            this.loss = null;
        }
    }

    /**
     * The model's output on {@code inputs}, computed in slices on all threads with nothing recorded. The model's
     * mode is not changed: call {@code model.eval()} first for inference.
     *
     * @return a new tensor with one output row per input row
     */
    public Tensor forward(Tensor inputs) {
        checkBatch("forward", inputs);
        this.input = inputs;
        try {
            each(infer);
            return output;
        } finally {
            this.input = null;
            this.output = null;
        }
    }

    /**
     * Fills every parameter's gradient with zeros and keeps it, as {@code optimizer.zeroGrad(false)}, cut into the
     * ranges of the sum and the update, so that (usually) the thread that sums a range next step finds it in its own
     * core's cache. A gradient that is null stays null.
     */
    public void zeroGrad() {
        for (Tensor p : params) {
            Tensor grad = p.grad();
            if (grad != null && grad.requiresGrad()) {
                p.zeroGrad(false); // a gradient with a graph is dropped, as Tensor.zeroGrad(false) does
            } else if (grad != null) {
                grad.markModified(); // its values change below
            }
        }
        each(zero);
    }

    /** Stops the worker threads; the object cannot be used afterwards. */
    @Override
    public void close() {
        if (team != null) {
            team.close();
        }
    }

    private void checkBatch(String caller, Tensor inputs) {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.rank() == 0 || inputs.size(0) == 0) {
            throw new IllegalArgumentException("DataParallel." + caller + ": expected a batch of rows, got shape "
                    + Arrays.toString(inputs.shape()));
        }
        if (Tape.isRecording()) {
            throw new IllegalStateException("DataParallel." + caller + ": called inside Tape.record(); each thread "
                    + "records its own slice, so call it outside any recording");
        }
        for (var e : batchNorms.entrySet()) {
            if (e.getValue().isTraining()) {
                throw new IllegalStateException("DataParallel." + caller + ": module '" + e.getKey() + "' is a "
                        + "BatchNorm in training mode; its batch statistics would be those of each thread's "
                        + "slice and its running statistics would be updated from several threads at once");
            }
        }
    }

    private static void checkBatchRows(Tensor inputs, int batchRows) {
        if (batchRows < inputs.size(0)) {
            throw new IllegalArgumentException("DataParallel.backward: batchRows is " + batchRows + " for "
                    + inputs.size(0) + " rows; expected the rows of the whole batch, at least " + inputs.size(0));
        }
    }

    /** Runs the slices' forward and backward on {@link #input}, then the sum; returns the batch's loss. */
    private double run() {
        each(train);
        createMissingGradients();
        each(sum);
        double total = 0;
        for (int k = 0; k < threads; k++) {
            total += losses[k];
        }
        return total;
    }

    /** Runs {@code task} for every slice: on the team, or on the caller with one thread. */
    private void each(WorkerTeam.Task task) {
        if (team == null) {
            task.run(0, 0);
        } else {
            team.run(task, threads);
        }
    }

    /** Rows {@code [from(k), from(k + 1))} of a batch of {@code n} rows are slice {@code k}'s. */
    private int from(int k, int n) {
        return (int) ((long) n * k / threads);
    }

    private void trainSlice(int k) {
        int n = input.size(0);
        int from = from(k, n);
        int rows = from(k + 1, n) - from;
        losses[k] = 0;
        gradients[k].zero(); // here, on the thread that writes it next, rather than by the sum on another core
        if (rows == 0) {
            return; // a batch smaller than the team: this slice has no rows, and adds nothing to the sum
        }
        try (Scope step = workspaces[k].enter(); Tape tape = Tape.record(); Scope collect = gradients[k].collect()) {
            Tensor out = model.call(input.narrow(0, from, rows));
            Tensor l = labels != null
                    ? classLoss.apply(out, labelSlice(k, from, rows))
                    : loss.apply(out, target.narrow(0, from, rows));
            if (l.numel() != 1) {
                throw new IllegalArgumentException("DataParallel.backward: the loss has shape "
                        + Arrays.toString(l.shape()) + "; expected a scalar (a mean over the batch)");
            }
            double weight = (double) rows / batchRows;
            Tensor weighted = rows == batchRows ? l : l.mul(weight);
            tape.backward(weighted);
            losses[k] = weighted.item();
        }
    }

    /** Slice k's labels, in an array of its own reused while the slice's size stays the same. */
    private int[] labelSlice(int k, int from, int rows) {
        int[] slice = labelSlices[k];
        if (slice == null || slice.length != rows) {
            slice = labelSlices[k] = new int[rows];
        }
        System.arraycopy(labels, from, slice, 0, rows);
        return slice;
    }

    /** A parameter that some slice gave a gradient and that has none gets zeros, before the sum adds into it. */
    private void createMissingGradients() {
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p.grad() != null) {
                continue;
            }
            for (LeafGradients g : gradients) {
                if (g.received(i)) {
                    p.setGrad(Tensor.zeros(p.dtype(), p.shape()));
                    break;
                }
            }
        }
    }

    /** Adds every slice's gradient into {@code grad} over range {@code r} of the elements of each parameter. */
    private void sumInto(int r) {
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            Tensor grad = p.grad();
            if (grad == null) {
                continue; // no slice gave it a gradient
            }
            int numel = p.numel();
            int lo = WorkerTeam.partStart(numel, r, threads);
            int hi = WorkerTeam.partStart(numel, r + 1, threads);
            for (LeafGradients g : gradients) {
                if (g.received(i)) {
                    Ranges.add(g.gradient(i), grad, lo, hi);
                }
            }
        }
    }

    /** Fills range {@code r} of every parameter's gradient with zeros. */
    private void zeroRange(int r) {
        for (Tensor p : params) {
            Tensor grad = p.grad();
            if (grad == null) {
                continue;
            }
            int lo = WorkerTeam.partStart(p.numel(), r, threads);
            int hi = WorkerTeam.partStart(p.numel(), r + 1, threads);
            Ranges.fill(grad, 0, lo, hi);
        }
    }

    private void forwardSlice(int k) {
        int n = input.size(0);
        int from = from(k, n);
        int rows = from(k + 1, n) - from;
        if (rows == 0) {
            return;
        }
        try (Scope step = workspaces[k].enter(); Scope noGrad = Tape.noGrad()) {
            Tensor out = model.call(input.narrow(0, from, rows));
            if (out.rank() == 0 || out.size(0) != rows) {
                throw new IllegalStateException("DataParallel.forward: the model turned " + rows + " rows into shape "
                        + Arrays.toString(out.shape()) + "; it must give one output row per input row");
            }
            Tensor all = outputFor(out, n);
            int width = out.numel() / rows;
            Ranges.copy(out, all, from * width); // the model may end in a view: its elements, in order
        }
    }

    /** The whole batch's output, created by the first slice that needs it, with the shape of its rows. */
    private synchronized Tensor outputFor(Tensor slice, int n) {
        int[] shape = slice.shape();
        shape[0] = n;
        if (output == null) {
            output = Tensor.zeros(slice.dtype(), shape);
        } else if (!Arrays.equals(output.shape(), shape) || output.dtype() != slice.dtype()) {
            throw new IllegalStateException("DataParallel.forward: slices gave outputs of different shapes or dtypes, "
                    + Arrays.toString(output.shape()) + " " + output.dtype() + " and " + Arrays.toString(shape) + " "
                    + slice.dtype());
        }
        return output;
    }
}
