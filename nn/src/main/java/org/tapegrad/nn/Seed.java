package org.tapegrad.nn;

import java.util.Random;
import java.util.SplittableRandom;

/**
 * The global seed for layers built without an explicit random generator, like {@code torch.manual_seed}. Each
 * {@link #random()} hands out a new {@link Random} whose seed is the next value of a {@link SplittableRandom}
 * seeded by {@link #set(long)}: after the same {@code set}, the same sequence of constructions gets the same
 * generators, so model construction (and dropout masks) are bit-identical from run to run.
 *
 * <pre>{@code
 * jshell> Seed.set(42);
 * jshell> var model = new Sequential(new Linear(2, 8), new Relu(), new Linear(8, 1));   // same weights every run
 * }</pre>
 *
 * <p>Thread-safe, but the order of calls decides which generator each caller gets: build models on one thread.
 */
public final class Seed {
    /** The seed in effect until {@link #set(long)} is called. */
    public static final long DEFAULT = 0x5EEDL;

    private static long initial = DEFAULT;
    private static SplittableRandom root = new SplittableRandom(DEFAULT);

    private Seed() {
    }

    /** Restarts the sequence of generators from {@code seed}. */
    public static synchronized void set(long seed) {
        initial = seed;
        root = new SplittableRandom(seed);
    }

    /** The seed last passed to {@link #set(long)} ({@link #DEFAULT} if never). */
    public static synchronized long initial() {
        return initial;
    }

    /** A new generator, deterministic given the seed and the number of earlier calls, independent of the others. */
    public static synchronized Random random() {
        return new Random(root.nextLong());
    }
}
