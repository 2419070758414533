package org.tapegrad.nn.distributed;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Runs the ranks of a process group as threads of the test JVM, connected over loopback TCP. */
public final class Ranks {
    private Ranks() {
    }

    /** What one rank does with its group. */
    public interface Body<T> {
        T run(ProcessGroup group) throws Exception;
    }

    /**
     * Starts {@code worldSize} ranks on loopback, runs {@code body} on each (closing its group afterwards) and returns
     * the results by rank; the first rank's exception, if any, is rethrown.
     */
    public static <T> List<T> run(int worldSize, Duration timeout, Body<T> body) throws Exception {
        return run(worldSize, timeout, body, null);
    }

    /**
     * As {@link #run(int, Duration, Body)}, but a rank's exception becomes its result through {@code onError} (null:
     * rethrown).
     */
    public static <T> List<T> run(int worldSize, Duration timeout, Body<T> body, Function<Exception, T> onError)
            throws Exception {
        ProcessGroup.Master master = ProcessGroup.Master.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                0));
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), master.address().getPort());
        ExecutorService pool = Executors.newFixedThreadPool(worldSize);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (ProcessGroup g = rank == 0 ? master.accept(worldSize, timeout)
                            : ProcessGroup.join(rank, worldSize, address, timeout)) {
                        return body.run(g);
                    } catch (Exception e) {
                        if (onError == null) {
                            throw e;
                        }
                        return onError.apply(e);
                    }
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    results.add(f.get(2, TimeUnit.MINUTES));
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception x) {
                        throw x;
                    }
                    throw e;
                }
            }
            return results;
        } finally {
            master.close();
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }
}
