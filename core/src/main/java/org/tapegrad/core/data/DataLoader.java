package org.tapegrad.core.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
 * With prefetching, the next batch is assembled on one background thread (created once per loader, not per batch)
 * while the current one is used; close the loader to stop it.
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
    private final ExecutorService prefetcher;
    private int epoch;
    private boolean reuseBatches;
    /** With reuse, the batch storage each slot hands out, and the index arrays that select its examples. */
    private final Batch[] slots = new Batch[2];
    private final int[][] slotIndices = new int[2][];

    /**
     * @param batchSize examples per batch (the last batch of an epoch may be smaller unless {@code dropLast})
     * @param shuffle   a new seeded permutation each epoch; otherwise examples in order
     * @param seed      the seed of the permutations
     * @param dropLast  drop an incomplete last batch
     * @param prefetch  assemble the next batch on a background thread
     */
    public DataLoader(Dataset dataset, int batchSize, boolean shuffle, long seed, boolean dropLast, boolean prefetch) {
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
        this.prefetcher = prefetch ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tapegrad-prefetch");
            t.setDaemon(true);
            return t;
        }) : null;
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
        int[] order = order(epoch++);
        int batches = batchesPerEpoch();
        return new Iterator<>() {
            private int next;
            private Future<Batch> pending = prefetcher == null ? null : submit(0);

            private Batch assemble(int k) {
                int from = k * batchSize;
                int to = Math.min(order.length, from + batchSize);
                if (!reuseBatches) {
                    return dataset.batch(java.util.Arrays.copyOfRange(order, from, to));
                }
                int slot = prefetcher == null ? 0 : k % 2; // batch k - 1's slot is free once batch k is asked for
                int[] indices = slotIndices[slot];
                if (indices == null || indices.length != to - from) {
                    indices = slotIndices[slot] = new int[to - from];
                }
                System.arraycopy(order, from, indices, 0, indices.length);
                return slots[slot] = dataset.batch(indices, slots[slot]);
            }

            private Future<Batch> submit(int k) {
                return prefetcher.submit(() -> assemble(k));
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
                if (pending == null) {
                    return assemble(k);
                }
                Batch b;
                try {
                    b = pending.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("DataLoader: assembling batch " + k + " failed: "
                            + e.getCause().getMessage(), e.getCause());
                }
                pending = next < batches ? submit(next) : null;
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
