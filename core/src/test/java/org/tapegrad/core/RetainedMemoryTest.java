package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Record/backward cycles leave nothing behind: the tape, its nodes and every intermediate tensor are freed. */
class RetainedMemoryTest {
    private final Random rng = new Random(11);
    private final Tensor x = Tensor.randn(rng, 64, 256);
    private final int[] labels = new int[64];
    private final Tensor w1 = Tensor.randn(rng, 256, 128).mul(0.05).requiresGrad(true);
    private final Tensor w2 = Tensor.randn(rng, 128, 10).mul(0.05).requiresGrad(true);

    private Tensor hidden;
    private Tape lastTape;

    private Tensor cycle() {
        w1.zeroGrad();
        w2.zeroGrad();
        try (Tape tape = Tape.record()) {
            hidden = x.matmul(w1).relu();
            Tensor loss = Losses.crossEntropy(hidden.matmul(w2), labels);
            tape.backward(loss);
            lastTape = tape;
            return loss;
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    @Test
    void retainedMemoryDoesNotGrowOverAThousandCycles() {
        for (int i = 0; i < 100; i++) {
            cycle();
        }
        long before = usedHeapAfterGc();
        Tensor lastLoss = null;
        for (int i = 0; i < 1000; i++) {
            lastLoss = cycle();
        }
        long after = usedHeapAfterGc();
        // One cycle allocates about 300 KB of intermediates and gradients; keeping even 1% of cycles would
        // retain more than the 2 MB allowed for measurement noise.
        assertTrue(after - before < 2 << 20, "retained heap grew by " + (after - before) + " bytes");

        // While the user still holds the loss and the parameters, the graph behind them is collectable.
        WeakReference<Tensor> hiddenRef = new WeakReference<>(hidden);
        WeakReference<Tape> tapeRef = new WeakReference<>(lastTape);
        hidden = null;
        lastTape = null;
        usedHeapAfterGc();
        assertNull(hiddenRef.get(), "an intermediate activation outlived its backward pass");
        assertTrue(tapeRef.get() == null || tapeRef.get().size() == 0, "the tape kept its nodes");
        assertTrue(lastLoss.item() > 0);
    }
}
