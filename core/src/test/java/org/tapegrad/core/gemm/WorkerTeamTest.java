package org.tapegrad.core.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerTeamTest {
    private final WorkerTeam team = new WorkerTeam(3, "test-team");

    @Test
    void runsEveryChunkExactlyOnceLoopAfterLoop() {
        for (int loop = 0; loop < 2000; loop++) {
            int chunks = 1 + loop % 37;
            AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
            assertTrue(team.tryRun((chunk, member) -> runs.incrementAndGet(chunk), chunks));
            for (int c = 0; c < chunks; c++) {
                assertEquals(1, runs.get(c), "loop " + loop + ", chunk " + c);
            }
        }
    }

    @Test
    void membersAreTheCallerAndTheWorkers() {
        AtomicIntegerArray byMember = new AtomicIntegerArray(team.size());
        Thread caller = Thread.currentThread();
        team.tryRun((chunk, member) -> {
            byMember.incrementAndGet(member);
            assertEquals(member == 0, Thread.currentThread() == caller);
        }, 64);
        int total = 0;
        for (int m = 0; m < team.size(); m++) {
            total += byMember.get(m);
        }
        assertEquals(64, total);
    }

    @Test
    void aLoopStartedInsideALoopIsRefusedNotDeadlocked() {
        boolean[] nested = new boolean[1];
        team.tryRun((chunk, member) -> {
            if (chunk == 0) {
                nested[0] = team.tryRun((c, m) -> { }, 4);
            }
        }, 4);
        assertFalse(nested[0]);
    }

    @Test
    void aFailingChunkIsRethrownAndTheTeamStaysUsable() {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> team.tryRun((chunk, member) -> {
            if (chunk == 5) {
                throw boom;
            }
        }, 32));
        assertSame(boom, thrown);
        AtomicIntegerArray runs = new AtomicIntegerArray(8);
        assertTrue(team.tryRun((chunk, member) -> runs.incrementAndGet(chunk), 8));
        for (int c = 0; c < 8; c++) {
            assertEquals(1, runs.get(c));
        }
    }

    @Test
    void workersThatParkedWakeUpForTheNextLoop() throws InterruptedException {
        Thread.sleep(WorkerTeam.SPIN_NANOS / 1_000_000 + 20); // long enough for the workers to park
        AtomicIntegerArray byMember = new AtomicIntegerArray(team.size());
        long deadline = System.nanoTime() + 10_000_000_000L; // a loaded machine may take a while to run them
        while (!allWorkersTookAChunk(byMember) && System.nanoTime() < deadline) {
            team.tryRun((chunk, member) -> {
                byMember.incrementAndGet(member);
                long end = System.nanoTime() + 20_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            }, 16);
        }
        assertTrue(allWorkersTookAChunk(byMember), "chunks per member: " + byMember);
    }

    private boolean allWorkersTookAChunk(AtomicIntegerArray byMember) {
        for (int m = 1; m < team.size(); m++) {
            if (byMember.get(m) == 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void runRefusesALoopStartedInsideALoop() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> team.run((chunk, member) -> team.run((c, m) -> { }, 1), 1));
        assertTrue(e.getMessage().contains("another loop is in progress"), e.getMessage());
    }

    @Test
    void closeStopsTheWorkersAndLaterLoopsAreRefused() throws InterruptedException {
        WorkerTeam closing = new WorkerTeam(3, "closing-team");
        AtomicIntegerArray runs = new AtomicIntegerArray(8);
        closing.run((chunk, member) -> runs.incrementAndGet(chunk), 8);
        closing.close();
        closing.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (workersAlive("closing-team") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, workersAlive("closing-team"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> closing.run((chunk, member) -> { }, 1));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        for (int c = 0; c < 8; c++) {
            assertEquals(1, runs.get(c));
        }
    }

    private static long workersAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(name + "-") && t.isAlive()).count();
    }

    @Test
    void badSizesAndSpinTimesAreRefused() {
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> new WorkerTeam(1, "x"));
        assertTrue(size.getMessage().contains("at least 2 threads"), size.getMessage());
        IllegalArgumentException spin = assertThrows(IllegalArgumentException.class,
                () -> new WorkerTeam(2, "x", -1));
        assertTrue(spin.getMessage().contains("spinNanos"), spin.getMessage());
    }

    @Test
    void rangesCoverEveryElementOnceAndStartOnCacheLines() {
        for (int n : new int[] {0, 1, 15, 16, 17, 100, 1000, 200_704}) {
            for (int parts = 1; parts <= 4; parts++) {
                assertEquals(0, WorkerTeam.partStart(n, 0, parts));
                assertEquals(n, WorkerTeam.partStart(n, parts, parts));
                for (int part = 1; part < parts; part++) {
                    int start = WorkerTeam.partStart(n, part, parts);
                    assertEquals(0, start % 16, n + " in " + parts);
                    if (start < WorkerTeam.partStart(n, part - 1, parts)) {
                        throw new AssertionError("ranges out of order for n = " + n);
                    }
                }
            }
        }
    }
}
