package org.tapegrad.nn.distributed;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.tapegrad.core.DType;
import org.tapegrad.core.HookHandle;
import org.tapegrad.core.Ranges;
import org.tapegrad.core.Tensor;
import org.tapegrad.core.gemm.WorkerTeam;
import org.tapegrad.nn.Layer;
import org.tapegrad.nn.train.DataParallel;

/**
 * Synchronous data-parallel training over the processes of a {@link ProcessGroup}, like PyTorch's
 * {@code DistributedDataParallel}: every rank holds a replica of the model, runs its share of each global batch
 * (cut again across threads by a {@link DataParallel}), and the ranks' gradients are summed, so that every replica
 * sees the gradient of the whole global batch and takes the same optimizer step.
 *
 * <pre>{@code
 * try (ProcessGroup group = ProcessGroup.fromEnvironment(Duration.ofMinutes(5));
 *         DistributedDataParallel ddp = new DistributedDataParallel(model, group, 1)) { // rank 0's weights everywhere
 *     for (Batch global : loader) {                     // the same global batches on every rank (same seed)
 *         int from = DistributedDataParallel.shardStart(global.size(), group.rank(), group.worldSize());
 *         int to = DistributedDataParallel.shardStart(global.size(), group.rank() + 1, group.worldSize());
 *         double loss = ddp.backward(global.inputs().narrow(0, from, to - from),
 *                 Arrays.copyOfRange(global.labels(), from, to), Losses::crossEntropy, global.size());
 *         optimizer.step(ddp.team());                   // the same update on every rank
 *         ddp.zeroGrad();
 *     }
 * }
 * }</pre>
 *
 * <p><b>The arithmetic.</b> For a loss that is a mean over its batch, the loss of a global batch of {@code N} rows is
 * {@code L = Σ_k (n_k / N)·L_k} over its slices {@code k} of {@code n_k} rows (a rank's rows, cut across its threads).
 * Each slice's loss is weighted by {@code n_k / N} before its backward pass, each rank sums its threads' gradients
 * into {@code grad} (as {@link DataParallel} does), and the ranks' gradients are then summed in rank order
 * ({@link ProcessGroup#allReduce(Tensor, int, int, ProcessGroup.ReduceOp) allReduce}), so every rank ends with
 * {@code dL/dθ}, the same bits on every rank. With one thread per rank and ranks given {@link #shardStart} rows,
 * the slices are those of {@code new DataParallel(model, worldSize)} on the global batch and the sums are added in
 * the same order: the gradients, the loss and so every step are the same bits as that single-process run.
 *
 * <p><b>The exchange.</b> The parameters are grouped into buckets, as PyTorch's are: taken in reverse registration
 * order (the order in which a backward pass finishes them, last layer first), consecutive parameters of one dtype
 * share a bucket while their elements add up to at most {@link Options#bucketElements()} (a larger parameter has a
 * bucket of its own, sent in messages of at most that many elements). Without overlap (below), after the backward
 * pass every parameter's gradient is copied into its bucket's flat buffer, each bucket is all-reduced, then a last
 * message of the loss, the row count and one flag per parameter saying whether this rank gave it a gradient, and the
 * sums are copied back. A parameter that no rank gave a gradient keeps a null {@code grad}, as after a
 * single-process backward.
 *
 * <p><b>Overlap.</b> With {@link Options#overlap()} (the default) and one thread per rank, the exchange runs beside
 * the backward pass, as PyTorch's does: a post-accumulate hook on every parameter
 * ({@link Tensor#registerPostAccumulateGradHook}) packs its gradient as soon as the pass has finished it, and when a
 * bucket's parameters are all packed its all-reduce starts on a communication thread (one per replica, started by
 * the constructor) while the pass goes on with earlier layers. Buckets are handed to that thread in their order,
 * which is the same on every rank, whatever order they become ready in; {@code backward} then packs the parameters
 * the pass gave no gradient, waits for the buckets, exchanges the last message and unpacks. Each element is summed
 * exactly as without overlap (the same additions in rank order), so the gradients are the same bits. A failure of
 * the exchange is thrown by {@code backward}, once the pass is over; a failure of the pass waits for the buckets
 * already handed over (each bounded by the group's timeout) and is thrown. With several threads per rank a
 * parameter's gradient is complete only once every thread's slice is done and summed, so the exchange starts after
 * the pass whatever the option says. A model smaller than {@link Options#bucketElements()} is one bucket, which
 * cannot start before the pass ends: smaller buckets let more of the exchange overlap, at the price of more
 * messages (PyTorch's first bucket is 1 MB, {@code 1 << 18} float32 elements).
 *
 * <p><b>Replicas.</b> The constructor checks that every rank's model has the same parameter and buffer shapes and
 * copies rank 0's values into every replica (so each rank may build its model with any seed). Every
 * {@link Options#checkEvery()} calls to {@code backward}, a checksum of every parameter's and buffer's bits is
 * gathered from all ranks before the step; if any differs from rank 0's, every rank throws at once rather than
 * training diverged replicas.
 *
 * <p>The model must allow what {@link DataParallel} needs (no training-mode batch norm, thread-safe hooks). Not
 * thread-safe; every rank must call {@code backward} the same number of times.
 */
public final class DistributedDataParallel implements AutoCloseable {

    /**
     * Settings of the exchange.
     *
     * @param bucketElements the most elements one all-reduce message carries (at least 1); larger buffers are
     *                       exchanged in several buckets
     * @param checkEvery     compare the replicas' checksums every this many calls to {@code backward} (0: never)
     * @param overlap        all-reduce each bucket while the backward pass goes on, as soon as its parameters are done
     *                       (with one thread per rank; see the class comment); the same bits as without
     */
    public record Options(int bucketElements, int checkEvery, boolean overlap) {
        /** Options that overlap the exchange with the backward pass. */
        public Options(int bucketElements, int checkEvery) {
            this(bucketElements, checkEvery, true);
        }

        /** Checks the values. */
        public Options {
            if (bucketElements < 1) {
                throw new IllegalArgumentException("DistributedDataParallel.Options: bucketElements is "
                        + bucketElements + "; expected at least 1");
            }
            if (checkEvery < 0) {
                throw new IllegalArgumentException("DistributedDataParallel.Options: checkEvery is " + checkEvery
                        + "; expected 0 (never) or a number of steps");
            }
        }

        /**
         * Buckets of 4 Mi elements (16 MiB of float32, as PyTorch's 25 MB order of size), a check every 100 steps,
         * overlap on.
         */
        public static Options defaults() {
            return new Options(1 << 22, 100, true);
        }

        /** These options with {@code bucketElements} replaced (checked again). */
        public Options withBucketElements(int bucketElements) {
            return new Options(bucketElements, checkEvery, overlap);
        }

        /** These options with {@code checkEvery} replaced (checked again). */
        public Options withCheckEvery(int checkEvery) {
            return new Options(bucketElements, checkEvery, overlap);
        }

        /** These options with {@code overlap} replaced. */
        public Options withOverlap(boolean overlap) {
            return new Options(bucketElements, checkEvery, overlap);
        }
    }

    private final Layer model;
    private final ProcessGroup group;
    private final Options options;
    private final DataParallel local;
    private final List<Tensor> params;
    private final List<Tensor> buffers;
    /** In the order they are exchanged: the last parameters first. */
    private final Bucket[] buckets;
    /** The loss, the row count and one gradient flag per parameter, summed over the ranks after the buckets. */
    private final double[] tail;
    /** For {@link #checksum()}: the bytes of the largest parameter or buffer. */
    private ByteBuffer checksumBytes;
    /** Parameter i is parameter {@code slotOf[i]} of bucket {@code bucketOf[i]}. */
    private final int[] bucketOf;
    private final int[] slotOf;

    // Overlap (null or unused without it): the hooks, the communication thread, and the current step's progress.
    private final List<HookHandle> hooks = new ArrayList<>();
    private final ExecutorService comm;
    /** Set while this replica's backward pass runs: the hooks ignore a backward of the model outside it. */
    private boolean inBackward;
    /** Whether parameter i's gradient is in its bucket this step. */
    private final boolean[] packed;
    /** Per bucket: its parameters not yet packed this step. */
    private final int[] toPack;
    /** Per bucket: its all-reduce on the communication thread, once handed over this step. */
    private final Future<?>[] inFlight;
    /** The next bucket to hand to the communication thread (they go in order). */
    private int nextBucket;
    private long steps;
    private long exchangeNanos;
    private long lastExchangeNanos;

    /** {@link #DistributedDataParallel(Layer, ProcessGroup, int, Options)} with {@link Options#defaults()}. */
    public DistributedDataParallel(Layer model, ProcessGroup group, int threads) {
        this(model, group, threads, Options.defaults());
    }

    /**
     * A replica of {@code model} in {@code group}, running on {@code threads} threads of this process (the caller and
     * {@code threads - 1} workers, stopped by {@link #close()}). Every rank must construct it at the same point:
     * the ranks' parameter and buffer shapes are compared, and rank 0's values are copied into every replica.
     *
     * @throws IllegalArgumentException when {@code threads < 1} or the model has no parameters
     * @throws IllegalStateException    when the ranks' models have different parameter or buffer shapes or dtypes
     * @throws ProcessGroupException    when the exchange with the other ranks fails
     */
    public DistributedDataParallel(Layer model, ProcessGroup group, int threads, Options options) {
        Objects.requireNonNull(model, "model");
        this.group = Objects.requireNonNull(group, "group");
        this.options = Objects.requireNonNull(options, "options");
        this.model = model;
        params = List.copyOf(model.parameters());
        buffers = List.copyOf(model.buffers());
        local = new DataParallel(model, threads);
        try {
            buckets = Bucket.of(params, options.bucketElements());
            tail = new double[2 + params.size()];
            bucketOf = new int[params.size()];
            slotOf = new int[params.size()];
            for (int b = 0; b < buckets.length; b++) {
                for (int k = 0; k < buckets[b].params.length; k++) {
                    bucketOf[buckets[b].params[k]] = b;
                    slotOf[buckets[b].params[k]] = k;
                }
            }
            packed = new boolean[params.size()];
            toPack = new int[buckets.length];
            inFlight = new Future<?>[buckets.length];
            checkSameLayout();
            broadcastFromRankZero();
        } catch (RuntimeException e) {
            local.close();
            throw e;
        }
        if (options.overlap() && threads == 1) {
            for (int i = 0; i < params.size(); i++) {
                int index = i;
                hooks.add(params.get(i).registerPostAccumulateGradHook(g -> finished(index, g)));
            }
            int rank = group.rank();
            comm = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "tapegrad-ddp-exchange-rank-" + rank);
                t.setDaemon(true);
                return t;
            });
        } else {
            comm = null;
        }
    }

    /**
     * The first row of rank {@code rank}'s share of a global batch of {@code rows} rows: rank r's rows are
     * {@code [shardStart(rows, r, W), shardStart(rows, r + 1, W))}, {@code shardStart(rows, r, W) = floor(rows·r/W)}
     * (the slices {@link DataParallel} cuts a batch into for W threads).
     *
     * @param rank {@code 0 <= rank <= worldSize} ({@code worldSize} gives {@code rows}, the end of the last share)
     */
    public static int shardStart(int rows, int rank, int worldSize) {
        if (rows < 0 || worldSize < 1 || rank < 0 || rank > worldSize) {
            throw new IllegalArgumentException("DistributedDataParallel.shardStart: rows " + rows + ", rank " + rank
                    + ", worldSize " + worldSize + "; expected rows >= 0, worldSize >= 1 and 0 <= rank <= worldSize");
        }
        return (int) ((long) rows * rank / worldSize);
    }

    /** The model this replica trains. */
    public Layer model() {
        return model;
    }

    /** The group the gradients are summed over. */
    public ProcessGroup group() {
        return group;
    }

    /** The threads of this rank (null with one thread), for {@code optimizer.step(team)}. */
    public WorkerTeam team() {
        return local.team();
    }

    /** The calls to {@code backward} so far. */
    public long steps() {
        return steps;
    }

    /** Whether the exchange overlaps the backward pass: {@link Options#overlap()} with one thread per rank. */
    public boolean overlaps() {
        return comm != null;
    }

    /**
     * Nanoseconds {@code backward} spent on the exchange after its backward pass (packing, all-reducing and
     * unpacking; with overlap, what was left of it once the pass was over), over every call; it includes waiting for
     * the slowest rank to finish its backward pass.
     */
    public long exchangeNanos() {
        return exchangeNanos;
    }

    /**
     * Nanoseconds the last call to {@code backward} spent on the exchange after its backward pass (as
     * {@link #exchangeNanos()}: waiting for the slowest rank included).
     */
    public long lastExchangeNanos() {
        return lastExchangeNanos;
    }

    /**
     * Forward and backward of this rank's rows of a global batch of {@code globalRows} rows, then the sum of every
     * rank's gradients: afterwards every parameter's {@code grad} holds {@code d loss(global batch) / dθ}, the same
     * on every rank, added to what {@code grad} held before (as a backward adds), and the global batch's loss is
     * returned. Every rank must call it, with row counts that add up to {@code globalRows}.
     *
     * @param inputs     this rank's rows (dimension 0), at least one
     * @param labels     one class index per row
     * @param loss       a loss that is a mean over the rows of its batch, such as {@code Losses::crossEntropy}
     * @param globalRows the rows of the global batch, summed over the ranks
     * @return the global batch's loss, {@code Σ_k (n_k / N)·L_k} over every slice of every rank
     * @throws IllegalStateException when the ranks' row counts do not add up to {@code globalRows}, or when the
     *                               periodic check finds replicas that differ
     * @throws ProcessGroupException when the exchange with the other ranks fails
     */
    public double backward(Tensor inputs, int[] labels, BiFunction<Tensor, int[], Tensor> loss, int globalRows) {
        Objects.requireNonNull(inputs, "inputs");
        if (options.checkEvery() > 0 && steps > 0 && steps % options.checkEvery() == 0) {
            checkReplicas();
        }
        double part = comm == null ? local.backward(inputs, labels, loss, globalRows)
                : overlappedBackward(inputs, labels, loss, globalRows);
        double total = exchange(part, inputs.size(0), globalRows);
        steps++;
        return total;
    }

    /**
     * Fills every gradient with zeros and keeps it ({@link DataParallel#zeroGrad()}), for the next step's backward to
     * add into.
     */
    public void zeroGrad() {
        local.zeroGrad();
    }

    /**
     * Compares a checksum of every parameter's and buffer's bits across the ranks; every rank must call it.
     *
     * @throws IllegalStateException on every rank, when some rank's replica differs from rank 0's
     */
    public void checkReplicas() {
        long[] sums = group.allGather(checksum());
        List<Integer> differ = new ArrayList<>();
        for (int r = 1; r < sums.length; r++) {
            if (sums[r] != sums[0]) {
                differ.add(r);
            }
        }
        if (!differ.isEmpty()) {
            throw new IllegalStateException("DistributedDataParallel: after " + steps + " steps the parameters of "
                    + "rank(s) " + differ + " differ from rank 0's (checksums " + Arrays.toString(sums) + "); the "
                    + "replicas have drifted apart: every rank must apply the same optimizer step to the all-reduced "
                    + "gradients and change the parameters nowhere else");
        }
    }

    /**
     * Stops this rank's worker threads and its communication thread and removes its hooks from the parameters; the
     * group stays open (it is the caller's).
     */
    @Override
    public void close() {
        hooks.forEach(HookHandle::remove);
        hooks.clear();
        if (comm != null) {
            comm.shutdown();
        }
        local.close();
    }

    /**
     * The local backward pass with the hooks on: each parameter is packed when the pass finishes it, and each bucket
     * whose parameters are packed is handed to the communication thread, in bucket order.
     */
    private double overlappedBackward(Tensor inputs, int[] labels, BiFunction<Tensor, int[], Tensor> loss,
            int globalRows) {
        Arrays.fill(packed, false);
        Arrays.fill(inFlight, null);
        for (int b = 0; b < buckets.length; b++) {
            toPack[b] = buckets[b].params.length;
        }
        nextBucket = 0;
        inBackward = true;
        try {
            return local.backward(inputs, labels, loss, globalRows);
        } catch (RuntimeException | Error e) {
            // The buckets handed over are all-reduced with the other ranks (each bounded by the group's timeout)
            // before this rank reports, so the group is not left in the middle of an operation.
            for (int b = 0; b < nextBucket; b++) {
                try {
                    await(b);
                } catch (RuntimeException | Error f) {
                    e.addSuppressed(f);
                }
            }
            throw e;
        } finally {
            inBackward = false;
        }
    }

    /**
     * The post-accumulate hook of parameter {@code i}: {@code accumulated} is its gradient from this rank's slice,
     * complete, in the slice's buffer, which {@link DataParallel} adds into {@code grad} after the pass. That sum,
     * {@code grad + accumulated} (zeros for a null grad), is done here into the bucket: the same addition, so the
     * same bits as packing {@code grad} afterwards.
     */
    private void finished(int i, Tensor accumulated) {
        if (!inBackward) {
            return; // a backward of this model that is not this replica's (an evaluation, another runner)
        }
        if (packed[i]) {
            throw new IllegalStateException("DistributedDataParallel.backward: parameter " + i + " "
                    + Arrays.toString(params.get(i).shape()) + " got a gradient twice in one backward pass, after "
                    + "its bucket was packed; expected one backward per step");
        }
        Bucket b = buckets[bucketOf[i]];
        int k = slotOf[i];
        int n = params.get(i).numel();
        Tensor grad = params.get(i).grad();
        if (grad == null) {
            Ranges.fill(b.flat, 0, b.offsets[k], b.offsets[k] + n);
        } else {
            Ranges.copy(grad, b.flat, b.offsets[k]);
        }
        Ranges.add(accumulated, 0, b.flat, b.offsets[k], n);
        tail[2 + i] = 1;
        markPacked(i);
    }

    /** Parameter i is in its bucket; hands every bucket that is now complete, in order, to the communication thread. */
    private void markPacked(int i) {
        packed[i] = true;
        toPack[bucketOf[i]]--;
        while (nextBucket < buckets.length && toPack[nextBucket] == 0) {
            Bucket b = buckets[nextBucket];
            inFlight[nextBucket] = comm.submit(() -> allReduce(b));
            nextBucket++;
        }
    }

    /** Waits for bucket {@code b}'s all-reduce (uninterruptibly: it ends within the group's timeout) and rethrows its failure. */
    private void await(int b) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    inFlight[b].get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error r) {
                        throw r;
                    }
                    throw new ProcessGroupException("DistributedDataParallel: the exchange of bucket " + b + " failed: "
                            + cause, cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sums every rank's gradients into each parameter's grad; returns the sum of the ranks' {@code part}s. */
    private double exchange(double part, int rows, int globalRows) {
        long t0 = System.nanoTime();
        if (comm == null) {
            for (Bucket b : buckets) {
                for (int k = 0; k < b.params.length; k++) {
                    pack(b, k);
                }
                allReduce(b);
            }
        } else {
            // the parameters the pass gave no gradient on this rank, as the pass left them; then every bucket
            for (int i = 0; i < params.size(); i++) {
                if (!packed[i]) {
                    pack(buckets[bucketOf[i]], slotOf[i]);
                    markPacked(i);
                }
            }
            for (int b = 0; b < buckets.length; b++) {
                await(b);
            }
        }
        tail[0] = part;
        tail[1] = rows;
        group.allReduce(tail, 0, tail.length, ProcessGroup.ReduceOp.SUM);
        if (tail[1] != globalRows) {
            throw new IllegalStateException("DistributedDataParallel.backward: the ranks' rows add up to "
                    + (long) tail[1] + " but globalRows is " + globalRows + "; every rank must pass the "
                    + "same globalRows and its own share of that batch");
        }
        for (Bucket b : buckets) {
            for (int k = 0; k < b.params.length; k++) {
                unpack(b, k);
            }
        }
        lastExchangeNanos = System.nanoTime() - t0;
        exchangeNanos += lastExchangeNanos;
        return tail[0];
    }

    /** Copies the gradient of parameter {@code k} of bucket {@code b} (zeros when it has none) into the bucket. */
    private void pack(Bucket b, int k) {
        int i = b.params[k];
        Tensor p = params.get(i);
        Tensor g = p.grad();
        if (g == null) {
            Ranges.fill(b.flat, 0, b.offsets[k], b.offsets[k] + p.numel());
        } else {
            Ranges.copy(g, b.flat, b.offsets[k]);
        }
        tail[2 + i] = g == null ? 0 : 1;
    }

    /** The bucket's sum over the ranks, in messages of at most {@code bucketElements} elements. */
    private void allReduce(Bucket b) {
        int n = b.flat.numel();
        int cap = options.bucketElements();
        for (int from = 0; from < n; from += cap) {
            group.allReduce(b.flat, from, Math.min(cap, n - from), ProcessGroup.ReduceOp.SUM);
        }
    }

    /** Copies parameter {@code k}'s summed gradient out of bucket {@code b}, unless no rank gave it one. */
    private void unpack(Bucket b, int k) {
        int i = b.params[k];
        if (tail[2 + i] == 0) {
            return; // no rank gave it a gradient: it stays as it is (null), as after a backward
        }
        Tensor p = params.get(i);
        Tensor g = p.grad();
        if (g == null) {
            g = Tensor.zeros(p.dtype(), p.shape());
            p.setGrad(g);
        }
        Ranges.copy(b.flat, b.offsets[k], g, 0, p.numel());
        g.markModified();
    }

    /** Compares every rank's parameter and buffer shapes and dtypes with rank 0's, by a hash of them. */
    private void checkSameLayout() {
        long h = 17;
        for (List<Tensor> list : List.of(params, buffers)) {
            h = h * 31 + list.size();
            for (Tensor t : list) {
                h = h * 31 + t.dtype().ordinal();
                h = h * 31 + Arrays.hashCode(t.shape());
            }
        }
        long[] all = group.allGather(h);
        for (int r = 1; r < all.length; r++) {
            if (all[r] != all[0]) {
                throw new IllegalStateException("DistributedDataParallel: rank " + r + "'s model has other parameter "
                        + "or buffer shapes or dtypes than rank 0's; every rank must build the same architecture "
                        + "(this rank has " + params.size() + " parameters, " + buffers.size() + " buffers: "
                        + shapes(params) + ")");
            }
        }
    }

    private static String shapes(List<Tensor> tensors) {
        StringBuilder b = new StringBuilder();
        for (Tensor t : tensors) {
            b.append(b.length() == 0 ? "" : " ").append(Arrays.toString(t.shape()));
        }
        return b.toString();
    }

    /** Copies rank 0's parameters and buffers into every replica. */
    private void broadcastFromRankZero() {
        for (List<Tensor> list : List.of(params, buffers)) {
            for (Tensor t : list) {
                group.broadcast(t, 0, t.numel(), 0);
                t.markModified();
            }
        }
    }

    /**
     * A 64-bit checksum of the bits of every parameter and buffer, read as 32-bit words w_j (little-endian):
     * {@code Σ_j w_j·(2j + 1) mod 2^64}. Any single changed element changes a word, and so the sum (an odd factor
     * keeps a difference below 2^32 from vanishing).
     */
    private long checksum() {
        long h = 0;
        long k = 0;
        for (List<Tensor> list : List.of(params, buffers)) {
            for (Tensor t : list) {
                int bytes = t.numel() * t.dtype().itemSize();
                if (checksumBytes == null || checksumBytes.capacity() < bytes) {
                    checksumBytes = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
                }
                Ranges.put(t, 0, t.numel(), checksumBytes.clear());
                int words = bytes / Integer.BYTES;
                for (int j = 0; j < words; j++) {
                    h += (checksumBytes.getInt(j * Integer.BYTES) & 0xFFFFFFFFL) * (2 * (k + j) + 1);
                }
                k += words;
            }
        }
        return h;
    }

    /**
     * Whole parameters of one dtype, consecutive in reverse registration order, and the flat buffer their gradients
     * are exchanged in.
     */
    private static final class Bucket {
        /** The parameters' indices, in the order they lie in {@link #flat}. */
        final int[] params;
        /** Where each parameter's elements start in {@link #flat}. */
        final int[] offsets;
        final Tensor flat;

        private Bucket(List<Tensor> all, List<Integer> members) {
            params = members.stream().mapToInt(Integer::intValue).toArray();
            offsets = new int[params.length];
            int n = 0;
            for (int k = 0; k < params.length; k++) {
                offsets[k] = n;
                n += all.get(params[k]).numel();
            }
            flat = Tensor.zeros(all.get(params[0]).dtype(), n);
        }

        /**
         * The buckets of {@code params}, from the last parameter to the first: a bucket is closed when the next
         * parameter has another dtype, or would take it past {@code cap} elements.
         */
        static Bucket[] of(List<Tensor> params, int cap) {
            List<Bucket> out = new ArrayList<>();
            List<Integer> members = new ArrayList<>();
            DType dtype = null;
            long size = 0;
            for (int i = params.size() - 1; i >= 0; i--) {
                Tensor p = params.get(i);
                if (!members.isEmpty() && (p.dtype() != dtype || size + p.numel() > cap)) {
                    out.add(new Bucket(params, members));
                    members.clear();
                    size = 0;
                }
                members.add(i);
                dtype = p.dtype();
                size += p.numel();
            }
            if (!members.isEmpty()) {
                out.add(new Bucket(params, members));
            }
            return out.toArray(new Bucket[0]);
        }
    }
}
