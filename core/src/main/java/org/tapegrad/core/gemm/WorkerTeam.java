package org.tapegrad.core.gemm;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team for short parallel loops such as one matrix product: the calling thread and {@code size - 1} daemon
 * workers, created once, share out the chunks of a {@link Task}, each member claiming the next chunk when it is done
 * with the last (OpenMP's {@code schedule(dynamic)}). Starting a loop allocates nothing.
 *
 * <p>Because chunks are claimed rather than assigned, nobody waits for a member that is late: a worker still
 * waking up, descheduled, or slowed by data another core has just written simply does fewer chunks, and the caller
 * does the whole loop when no worker turns up in time. Between loops a worker spins ({@link Thread#onSpinWait})
 * for {@value #SPIN_NANOS} ns by default before it parks, so the back-to-back products of a training step find it
 * awake: waking a parked thread costs far more than a product of the step (docs/PERFORMANCE.md).
 *
 * <p>One loop at a time: {@link #tryRun} returns {@code false} at once, running nothing, while another thread's loop
 * is in progress, and that caller does its work alone instead. So a team can be shared by several threads without
 * ever making one of them wait for another.
 *
 * <p>The threads are created by the constructor and stop when the team is {@linkplain #close() closed} (they are
 * daemons, so a team that is never closed does not keep the JVM alive). {@link org.tapegrad.core.gemm.BlockedMatmul}
 * keeps one for its products; a data-parallel training step keeps another for its slices of a batch.
 *
 * <pre>{@code
 * try (WorkerTeam team = new WorkerTeam(2, "my-loop")) {
 *     team.run((chunk, member) -> work(chunk), 2);   // chunks 0 and 1, on whichever members claim them
 * }
 * }</pre>
 */
public final class WorkerTeam implements AutoCloseable {
    /** How long an idle worker spins before it parks: longer than the gaps between the products of a step. */
    static final long SPIN_NANOS = 200_000;
    private static final long WAIT_SLEEP_NANOS = 20_000;
    /** Set in {@link #members} when the loop is closed: workers that arrive later do not join it. */
    private static final int CLOSED = 1 << 30;

    /** A loop of independent chunks. */
    @FunctionalInterface
    public interface Task {
        /** Does chunk {@code chunk}; {@code member} (0 = the caller) names the thread, for per-thread buffers. */
        void run(int chunk, int member);
    }

    private final int size;
    private final long spinNanos;
    /**
     * How long the caller spins for members still finishing a chunk before it sleeps between looks instead: a tenth
     * of the workers' idle spin (20 µs by default).
     */
    private final long waitSpinNanos;
    private final Thread[] workers;
    /** A worker announces here (index = member) that it is about to park, so that the next loop unparks it. */
    private final AtomicBoolean[] parked;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The next chunk to claim. */
    private final AtomicInteger next = new AtomicInteger();
    /** Workers inside the current loop, plus {@link #CLOSED} once the caller has closed it. */
    private final AtomicInteger members = new AtomicInteger(CLOSED);
    /** Counts loops started; a worker looks for chunks when it sees this change. */
    private volatile long loop;
    private volatile boolean closed;
    private volatile Throwable failure;
    /** The loop's task and size: written before {@link #members} opens the loop, read by members after joining. */
    private Task task;
    private int chunks;

    /**
     * A team of {@code size} threads: the caller of {@link #tryRun} and {@code size - 1} daemon workers named
     * {@code name-1}, {@code name-2}, ..., started here.
     *
     * @throws IllegalArgumentException when {@code size < 2}
     */
    public WorkerTeam(int size, String name) {
        this(size, name, SPIN_NANOS);
    }

    /**
     * As {@link #WorkerTeam(int, String)}, with idle workers spinning for {@code spinNanos} before they park: longer
     * for loops separated by more serial work (a training step's optimizer and data loading), so that the workers
     * still find them awake.
     *
     * @throws IllegalArgumentException when {@code size < 2} or {@code spinNanos < 0}
     */
    public WorkerTeam(int size, String name, long spinNanos) {
        if (size < 2) {
            throw new IllegalArgumentException("WorkerTeam: needs at least 2 threads, got " + size);
        }
        if (spinNanos < 0) {
            throw new IllegalArgumentException("WorkerTeam: spinNanos must be >= 0, got " + spinNanos);
        }
        this.size = size;
        this.spinNanos = spinNanos;
        this.waitSpinNanos = spinNanos / 10;
        workers = new Thread[size];
        parked = new AtomicBoolean[size];
        for (int member = 1; member < size; member++) {
            int m = member;
            parked[member] = new AtomicBoolean();
            workers[member] = new Thread(() -> work(m), name + "-" + member);
            workers[member].setDaemon(true);
            workers[member].start();
        }
    }

    /**
     * Where part {@code part} of {@code parts} of {@code n} elements starts, for cutting an array into one range per
     * thread: range {@code part} is {@code [partStart(n, part, parts), partStart(n, part + 1, parts))}. Ranges are
     * as even as possible and start on a multiple of 16 elements (64 bytes of floats), so that two threads share at
     * most the one cache line around each boundary (where a line falls in an array depends on the JVM's object
     * layout); {@code partStart(n, parts, parts) == n}.
     */
    public static int partStart(int n, int part, int parts) {
        if (part >= parts) {
            return n;
        }
        return (int) ((long) n * part / parts) & -16;
    }

    /** The number of threads, the caller included. */
    public int size() {
        return size;
    }

    /**
     * Runs {@code task} for chunks 0..chunks-1, each exactly once, on the calling thread and whichever workers join,
     * and returns {@code true} when all are done; returns {@code false} without running anything when another loop
     * is in progress. An exception thrown by a chunk stops the loop and is rethrown here.
     *
     * @throws IllegalStateException when the team is closed
     */
    public boolean tryRun(Task task, int chunks) {
        if (closed) {
            throw new IllegalStateException("WorkerTeam: the team is closed");
        }
        if (!busy.compareAndSet(false, true)) {
            return false;
        }
        try {
            this.task = task;
            this.chunks = chunks;
            failure = null;
            next.set(0);
            members.set(0); // opens the loop: publishes the fields above to the workers that join it
            loop++; // only the thread holding busy writes it
            for (int member = 1; member < size; member++) {
                if (parked[member].get()) {
                    LockSupport.unpark(workers[member]);
                }
            }
            claimChunks(0);
            members.getAndAdd(CLOSED);
            long start = System.nanoTime();
            while (members.get() != CLOSED) { // members still finishing the chunks they claimed
                waitBriefly(start);
            }
            this.task = null;
            Throwable t = failure;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("a chunk of a parallel loop failed", t);
            }
            return true;
        } finally {
            busy.set(false);
        }
    }

    /**
     * Runs {@code task} for chunks 0..chunks-1 as {@link #tryRun} does, for a caller that owns the team.
     *
     * @throws IllegalStateException when another thread's loop is in progress, or a loop is started from inside
     *                               a chunk, or the team is closed
     */
    public void run(Task task, int chunks) {
        if (!tryRun(task, chunks)) {
            throw new IllegalStateException("WorkerTeam.run: another loop is in progress on this team (a team runs "
                    + "one loop at a time: is it used from two threads, or from inside one of its own chunks?)");
        }
    }

    /** Stops the workers once they are idle; later loops are refused. Closing twice does nothing. */
    @Override
    public void close() {
        closed = true;
        for (int member = 1; member < size; member++) {
            LockSupport.unpark(workers[member]);
        }
    }

    private void claimChunks(int member) {
        for (int c; failure == null && (c = next.getAndIncrement()) < chunks; ) {
            try {
                task.run(c, member);
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;
                }
            }
        }
    }

    /** Spins for a while, then sleeps between looks, giving the core to a member that lost its own. */
    private void waitBriefly(long since) {
        if (System.nanoTime() - since < waitSpinNanos) {
            Thread.onSpinWait();
        } else {
            LockSupport.parkNanos(WAIT_SLEEP_NANOS);
        }
    }

    private void work(int member) {
        long seen = 0;
        while (!closed) {
            seen = awaitLoop(member, seen);
            if (join()) {
                try {
                    claimChunks(member);
                } finally {
                    members.decrementAndGet();
                }
            }
        }
    }

    /** Joins the open loop, or returns false when the caller has already closed it. */
    private boolean join() {
        for (int s = members.get(); (s & CLOSED) == 0; s = members.get()) {
            if (members.compareAndSet(s, s + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the number of the next loop after {@code seen}: spins for it, then parks until one is posted. */
    private long awaitLoop(int member, long seen) {
        long start = System.nanoTime();
        while (loop == seen && !closed) {
            if (System.nanoTime() - start < spinNanos) {
                Thread.onSpinWait();
                continue;
            }
            // Announce, then look again: either this sees the new loop or its caller sees the flag and unparks.
            parked[member].set(true);
            if (loop == seen && !closed) {
                LockSupport.park(this);
            }
            parked[member].set(false);
            start = System.nanoTime();
        }
        return loop;
    }
}
