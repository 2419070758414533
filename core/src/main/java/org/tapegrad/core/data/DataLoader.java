package org.tapegrad.core.data;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/**
 * Minibatches over a {@link Dataset}, one epoch per {@link #iterator()}:
 *
 * <pre>{@code
 * try (var loader = new DataLoader(train, 128, true, 42, false, true)) {
 *     for (int epoch = 0; epoch < 10; epoch++) {
 *         for (Batch b : loader) { ... }
 *     }
 * }
 * }</pre>
 *
 * <p>With shuffling, each epoch visits the examples in a new order drawn from {@code seed} and the epoch number
 * alone, so a run resumed at epoch k (see {@link #setEpoch}) sees the same batches as an uninterrupted one.
 * With {@code workers} &gt; 0 (PyTorch's {@code num_workers}), batches are assembled on that many background threads
 * (created once per loader, not per batch), each worker one whole batch, up to {@code workers} batches ahead of the
 * one in use, and handed out in order; with 0 the calling thread assembles each batch when it is asked for. Close
 * the loader to stop the workers.
 *
 * <p>With {@link #setTransform}, an {@link ImageTransform} is applied to the inputs of every example of every batch
 * (data augmentation), with a generator per example drawn from the seed, the epoch and the example's index alone:
 * the batches, augmented or not, are the same bits whatever the number of workers.
 *
 * <p>With {@link #setReuseBatches(boolean) setReuseBatches(true)}, batches are written into the storage of earlier
 * ones instead of new tensors (two alternate with prefetching, one without), so that a training loop whose batches
 * have the same shape allocates nothing for them. A batch is then valid until the next call to {@code next()} on
 * its iterator, or until the next epoch's iterator is created: a loop that keeps a batch (or a tensor viewing its
 * inputs) for later must copy it.
 */
public final class DataLoader implements Iterable<Batch>, AutoCloseable {
    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int workers;
    private final ExecutorService prefetcher;
    private int epoch;
    private boolean reuseBatches;
    private volatile ImageTransform transform;
    private volatile ImageTransform.Shape transformShape;
    /**
     * With reuse, the batch storage each slot hands out, and the index arrays that select its examples: batch k
     * uses slot k mod (workers + 1), which batch k − 1 − workers used and has released.
     */
    private final Batch[] slots;
    private final int[][] slotIndices;

    /**
     * @param batchSize examples per batch (the last batch of an epoch may be smaller unless {@code dropLast})
     * @param shuffle   a new seeded permutation each epoch; otherwise examples in order
     * @param seed      the seed of the permutations
     * @param dropLast  drop an incomplete last batch
     * @param prefetch  assemble the next batch on one background thread ({@code workers} 1), or on the caller's (0)
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, long seed, boolean dropLast, boolean prefetch) {
        this(dataset, batchSize, shuffle, seed, dropLast, prefetch ? 1 : 0);
    }

    /**
     * @param batchSize examples per batch (the last batch of an epoch may be smaller unless {@code dropLast})
     * @param shuffle   a new seeded permutation each epoch; otherwise examples in order
     * @param seed      the seed of the permutations and of the transforms' generators
     * @param dropLast  drop an incomplete last batch
     * @param workers   background threads that assemble batches, &gt;= 0 (0: the caller assembles each batch)
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, long seed, boolean dropLast, int workers) {
        Objects.requireNonNull(dataset, "dataset");
        if (workers < 0) {
            throw new IllegalArgumentException("DataLoader: workers must be at least 0 (0: load on the calling "
                    + "thread), got " + workers);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + batchSize);
        }
        if (dataset.size() == 0) {
            throw new IllegalArgumentException("DataLoader: the dataset is empty");
        }
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        this.workers = workers;
        AtomicInteger count = new AtomicInteger();
        this.prefetcher = workers == 0 ? null : Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "tapegrad-loader-" + count.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        this.slots = new Batch[workers + 1];
        this.slotIndices = new int[workers + 1][];
    }

    /** The number of background threads that assemble batches (0: the caller does). */
    public int workers() {
        return workers;
    }

    /**
     * Applies {@code transform} to every example's inputs in the batches of the iterators created from now on
     * (null: none), as torchvision's {@code transform} of a data set: each example's inputs must be {@code shape}'s
     * {@code channels · height · width} float32 values (an MNIST batch {@code [n, 784]} or {@code [n, 1, 28, 28]}
     * with {@code new Shape(1, 28, 28)}). Example i of epoch e gets a generator seeded from (seed, e, i) alone.
     * The batch's inputs are modified in place, so the dataset must hand out batches of their own storage, as
     * {@link TensorDataset} does (see {@link Dataset#batch(int[])}).
     */
    public void setTransform(ImageTransform.Shape shape, ImageTransform transform) {
        if (transform != null) {
            Objects.requireNonNull(shape, "shape");
        }
        this.transformShape = shape;
        this.transform = transform;
    }

    /** The generator of example {@code index} in epoch {@code e}: a SplitMix64 mix of (seed, e, index). */
    static SplittableRandom exampleRandom(long seed, int e, int index) {
        long z = seed ^ 0x6A09E667F3BCC909L;
        z = mix(z + 0x9E3779B97F4A7C15L * (e + 1L));
        z = mix(z + 0xBB67AE8584CAA73BL * (index + 1L));
        return new SplittableRandom(z);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Applies the transform to each row of {@code b}'s inputs, example {@code indices[r]} for row r. */
    private static Batch transformed(Batch b, int[] indices, int e, long seed, ImageTransform.Shape shape,
            ImageTransform t) {
        Tensor x = b.inputs();
        int row = x.numel() / x.size(0);
        if (x.dtype() != DType.FLOAT32 || row != shape.size()) {
            throw new IllegalArgumentException("DataLoader transform: each example must be " + shape.size()
                    + " float32 values (" + shape.channels() + " x " + shape.height() + " x " + shape.width()
                    + "), got inputs of shape " + Arrays.toString(x.shape()) + " and dtype " + x.dtype());
        }
        float[] data = x.float32Matrix().data;
        for (int r = 0; r < indices.length; r++) {
            t.apply(data, r * row, shape, exampleRandom(seed, e, indices[r]));
        }
        x.markModified();
        return b;
    }

    /** Batches per epoch. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Sets the epoch whose order the next {@link #iterator()} uses (to resume a run). */
    public void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    /**
     * Whether batches reuse the storage of earlier ones (see the class comment); default false, as PyTorch's
     * DataLoader. Only one iterator at a time may be in use then.
     */
    public void setReuseBatches(boolean reuse) {
        this.reuseBatches = reuse;
    }

    /** The epoch the next {@link #iterator()} will produce. */
    public int epoch() {
        return epoch;
    }

    /** The order of the examples in epoch {@code e}. */
    public int[] order(int e) {
        int n = dataset.size();
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        if (shuffle) {
            // A generator of its own per epoch, from (seed, epoch) alone.
            SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (e + 1L)));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
        }
        return p;
    }

    /** The batches of the next epoch (and advances the epoch counter). */
    @Override
    public Iterator<Batch> iterator() {
        int ep = epoch++;
        int[] order = order(ep);
        int batches = batchesPerEpoch();
        ImageTransform t = transform;
        ImageTransform.Shape shape = transformShape;
        boolean reuse = reuseBatches;
        return new Iterator<>() {
            private int next;
            /** Batches submitted to the workers, in order; the head is batch {@code next}. */
            private final ArrayDeque<Future<Batch>> pending = new ArrayDeque<>();
            private int submitted;

            {
                while (prefetcher != null && submitted < Math.min(workers, batches)) {
                    submit();
                }
            }

            private Batch assemble(int k) {
                int from = k * batchSize;
                int to = Math.min(order.length, from + batchSize);
                Batch b;
                int[] indices;
                if (!reuse) {
                    indices = Arrays.copyOfRange(order, from, to);
                    b = dataset.batch(indices);
                } else {
                    int slot = k % slots.length;
                    indices = slotIndices[slot];
                    if (indices == null || indices.length != to - from) {
                        indices = slotIndices[slot] = new int[to - from];
                    }
                    System.arraycopy(order, from, indices, 0, indices.length);
                    b = slots[slot] = dataset.batch(indices, slots[slot]);
                }
                return t == null ? b : transformed(b, indices, ep, seed, shape, t);
            }

            private void submit() {
                int k = submitted++;
                pending.add(prefetcher.submit(() -> assemble(k)));
            }

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int k = next++;
                if (prefetcher == null) {
                    return assemble(k);
                }
                Batch b;
                try {
                    // batch k - 1 is released now, so its reuse slot can take batch k + workers
                    if (submitted < batches) {
                        submit();
                    }
                    b = pending.poll().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("DataLoader: assembling batch " + k + " failed: "
                            + e.getCause().getMessage(), e.getCause());
                }
                return b;
            }
        };
    }

    /** Stops the prefetching thread, if any. */
    @Override
    public void close() {
        if (prefetcher != null) {
            prefetcher.shutdownNow();
        }
    }
}
