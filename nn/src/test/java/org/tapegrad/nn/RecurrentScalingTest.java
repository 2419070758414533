package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.gemm.EjmlMatmul;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.gemm.MatmulKernel;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;

/**
 * Backpropagation through time costs memory linear in the sequence length: the gradients of the T step slices of
 * the input projection (and of each step's gate slices) add into one buffer each, instead of each slice making a
 * gradient of the full size (which made the bytes per step grow with T). Measured in bytes allocated by backward,
 * not in time, so the test does not depend on the machine's load.
 */
class RecurrentScalingTest {

    @Test
    void lstmBackwardAllocatesLinearlyInTheSequenceLength() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean)
                || !bean.isThreadAllocatedMemorySupported()) {
            return; // cannot be measured on this JVM
        }
        Lstm lstm = new Lstm(INPUT, 4, 1, true, new Random(1), DType.FLOAT32);
        MatmulKernel installed = Matmul.kernel();
        Matmul.use(new EjmlMatmul()); // the Vector API kernel allocates until the JIT has compiled it
        long short16;
        long long64;
        try {
            short16 = backwardBytes(bean, lstm, 16);
            long64 = backwardBytes(bean, lstm, 64);
        } finally {
            Matmul.use(installed);
        }
        // Linear: 4x the steps, under 4x the bytes (the parameters' gradients are the same size at any length).
        // A full-size gradient per step slice of the input would add 64·(2·64·32·4) bytes, 1 MB, at 64 steps.
        assertTrue(long64 < 4.5 * short16, "backward allocated " + short16 + " bytes for 16 steps and " + long64
                + " for 64");
    }

    private static final int INPUT = 32;

    /** Bytes allocated on this thread by the backward pass of sum(lstm(x)) for x [2, steps, INPUT] requiring grad. */
    private static long backwardBytes(com.sun.management.ThreadMXBean bean, Lstm lstm, int steps) {
        Tensor x = Tensor.randn(new Random(2), 2, steps, INPUT);
        long bytes = 0;
        for (int run = 0; run < 3; run++) { // the last of three runs: the JIT has settled
            Tensor in = x.detach().requiresGrad(true);
            try (Tape tape = Tape.record()) {
                Tensor loss = lstm.forward(in).sum();
                long before = bean.getThreadAllocatedBytes(Thread.currentThread().getId());
                tape.backward(loss);
                bytes = bean.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            }
            lstm.zeroGrad();
        }
        return bytes;
    }
}
