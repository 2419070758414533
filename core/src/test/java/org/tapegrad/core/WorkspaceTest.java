package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.gemm.EjmlMatmul;
import org.tapegrad.core.gemm.Matmul;
import org.tapegrad.core.gemm.MatmulKernel;

/**
 * A {@link Workspace} step lends op results storage that the next step reuses. Training must give exactly the
 * results it gives without one, and a tensor whose step has ended must refuse to be read rather than show another
 * step's values.
 */
class WorkspaceTest {

    /** A small network using ops whose outputs must start at zero (broadcast sums, scatters) and views. */
    private static Tensor loss(List<Tensor> p, Tensor x, int[] labels) {
        Tensor h = x.matmul(p.get(0)).add(p.get(1)).relu();               // broadcast add: its gradient is a sum
        Tensor z = Tensor.linear(h.reshape(h.size(0), -1), p.get(2), p.get(3));
        Tensor penalty = h.sum(0, false).pow(2).mean().mul(1e-3);
        return Losses.crossEntropy(z, labels).add(penalty);
    }

    private static List<Tensor> params(DType dtype) {
        Random rng = new Random(11);
        return List.of(Tensor.randn(dtype, rng, 7, 9).requiresGrad(true), Tensor.randn(dtype, rng, 9).requiresGrad(true),
                Tensor.randn(dtype, rng, 4, 9).requiresGrad(true), Tensor.randn(dtype, rng, 4).requiresGrad(true));
    }

    /** Five SGD steps on fixed batches, with or without a workspace; returns the final parameters. */
    private static List<double[]> train(DType dtype, Workspace workspace, boolean keepGradBuffers) {
        List<Tensor> p = params(dtype);
        Random rng = new Random(5);
        for (int step = 0; step < 5; step++) {
            Tensor x = Tensor.randn(dtype, rng, 6, 7);
            int[] labels = rng.ints(6, 0, 4).toArray();
            try (Scope s = workspace == null ? null : workspace.enter(); Tape tape = Tape.record()) {
                tape.backward(loss(p, x, labels));
            }
            for (Tensor t : p) {
                t.addInPlace(t.grad(), -0.1);
                t.zeroGrad(!keepGradBuffers);
            }
        }
        List<double[]> out = new ArrayList<>();
        p.forEach(t -> out.add(t.toDoubleArray()));
        return out;
    }

    @Test
    void trainingInAWorkspaceGivesExactlyTheSameParameters() {
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (boolean keep : new boolean[] {true, false}) {
                List<double[]> plain = train(dtype, null, keep);
                List<double[]> reused = train(dtype, new Workspace(), keep);
                for (int i = 0; i < plain.size(); i++) {
                    assertArrayEquals(plain.get(i), reused.get(i), 0, dtype + " keep=" + keep + " parameter " + i);
                }
            }
        }
    }

    @Test
    void theNextStepReusesTheStorageOfTheLast() {
        Workspace workspace = new Workspace();
        List<Tensor> p = params(DType.FLOAT32);
        Tensor x = Tensor.randn(new Random(1), 6, 7);
        int[] labels = {0, 1, 2, 3, 0, 1};
        List<Set<Object>> pooled = new ArrayList<>();
        Object lastHidden = null;
        for (int step = 0; step < 3; step++) {
            try (Scope s = workspace.enter(); Tape tape = Tape.record()) {
                Tensor h = x.matmul(p.get(0)).relu();
                tape.backward(Losses.crossEntropy(Tensor.linear(h, p.get(2), p.get(3)), labels));
                lastHidden = h.array();
            }
            pooled.add(workspace.pooledStorage());
            for (Tensor t : p) {
                t.zeroGrad(false);
            }
        }
        assertTrue(pooled.get(0).size() >= 5, "forward results and gradients in flight: " + pooled.get(0).size());
        // The first step adopts its gradients as the parameters' gradient buffers; from then on, with the same
        // shapes, each step runs on the storage of the one before and allocates none.
        assertTrue(pooled.get(1).containsAll(pooled.get(0)));
        assertEquals(pooled.get(1), pooled.get(2));
        assertTrue(pooled.get(2).contains(lastHidden));
        assertEquals(3, workspace.steps());
    }

    @Test
    void aTensorOfAnEndedStepRefusesToBeRead() {
        Workspace workspace = new Workspace();
        Tensor x = Tensor.randn(new Random(2), 3, 4);
        Tensor y;
        Tensor reshaped;
        Tensor detached;
        try (Scope s = workspace.enter()) {
            y = x.exp();
            reshaped = y.reshape(4, 3);
            detached = y.detach();
            assertEquals(Math.exp(x.get(0, 0)), y.get(0, 0), 1e-6);
        }
        for (Tensor t : List.of(y, reshaped, detached)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, t::toFloatArray);
            assertTrue(e.getMessage().contains("Workspace step that has ended"), e.getMessage());
            assertTrue(e.getMessage().contains("workspace.keep"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> t.add(1));
        }
        assertArrayEquals(new int[] {3, 4}, y.shape(), "the shape stays readable");
        assertEquals("tensor(<storage returned to its workspace>, shape=[3, 4], dtype=float32)", y.toString());
        assertEquals(12, y.numel());
        assertFalse(workspace.isOpen());
    }

    @Test
    void keptTensorsAndTheirViewsSurviveLaterSteps() {
        Workspace workspace = new Workspace();
        Tensor x = Tensor.randn(new Random(3), 3, 4);
        Tensor kept;
        Tensor keptThroughView;
        try (Scope s = workspace.enter()) {
            kept = workspace.keep(x.mul(2));
            Tensor e = x.exp();
            workspace.keep(e.reshape(12));
            keptThroughView = e;
        }
        float[] expectedKept = x.mul(2).toFloatArray();
        float[] expectedExp = x.exp().toFloatArray();
        for (int step = 0; step < 3; step++) { // same shapes: would reuse the storage if it had been returned
            try (Scope s = workspace.enter()) {
                x.mul(-7).exp().sum();
            }
        }
        assertArrayEquals(expectedKept, kept.toFloatArray());
        assertArrayEquals(expectedExp, keptThroughView.toFloatArray());
    }

    @Test
    void leafGradientsAndFactoryTensorsOutliveTheStep() {
        Workspace workspace = new Workspace();
        Tensor w = Tensor.randn(new Random(4), 3, 3).requiresGrad(true);
        Tensor x = Tensor.randn(new Random(5), 2, 3);
        Tensor created;
        try (Scope s = workspace.enter(); Tape tape = Tape.record()) {
            tape.backward(x.matmul(w).tanh().sum()); // the first gradient is adopted, not copied
            created = Tensor.zeros(3, 3);            // as an optimizer creates its state lazily
        }
        Tensor firstGrad = w.grad();
        float[] expected = firstGrad.toFloatArray();
        w.zeroGrad(); // set to none: the next step's gradient is a new tensor
        for (int step = 0; step < 2; step++) {
            try (Scope s = workspace.enter(); Tape tape = Tape.record()) {
                tape.backward(x.matmul(w).tanh().mul(3).sum());
            }
        }
        assertArrayEquals(expected, firstGrad.toFloatArray());
        assertNotSame(firstGrad, w.grad());
        assertEquals(0, created.sum().item());
    }

    @Test
    void retainedIntermediateGradientsOutliveTheStep() {
        Workspace workspace = new Workspace();
        Tensor w = Tensor.randn(new Random(6), 3, 3).requiresGrad(true);
        Tensor h;
        try (Scope s = workspace.enter(); Tape tape = Tape.record()) {
            h = w.tanh().retainGrad();
            tape.backward(h.mul(h).sum());
        }
        float[] expected = h.grad().toFloatArray();
        try (Scope s = workspace.enter()) {
            w.mul(5).tanh().mul(0);
        }
        assertArrayEquals(expected, h.grad().toFloatArray());
    }

    @Test
    void reusedStorageNeverLeaksALastStepsValuesIntoAResult() {
        Workspace workspace = new Workspace();
        Tensor x = Tensor.randn(new Random(12), 2, 3);
        try (Scope s = workspace.enter()) {
            x.exp().add(5).relu(); // fills the pool with [2, 3] storage holding non-zero values
        }
        try (Scope s = workspace.enter()) {
            // Products over an empty inner dimension are zeros, and so is a sum reduced from nothing.
            assertArrayEquals(new float[6], Tensor.zeros(2, 0).matmul(Tensor.zeros(0, 3)).toFloatArray());
            assertArrayEquals(new float[6], Tensor.linear(Tensor.zeros(2, 0), Tensor.zeros(3, 0), null).toFloatArray());
            assertArrayEquals(new float[6], x.mul(0).toFloatArray());
            assertArrayEquals(x.mul(2).toFloatArray(), x.add(x).toFloatArray());
        }
    }

    @Test
    void poolingIndicesAndDropoutMasksAreLentToo() {
        for (Workspace workspace : new Workspace[] {null, new Workspace()}) {
            Tensor w = Tensor.randn(new Random(13), 2, 16).requiresGrad(true);
            Random data = new Random(14);
            Random dropout = new Random(15);
            List<float[]> grads = new ArrayList<>();
            for (int step = 0; step < 3; step++) {
                Tensor x = Tensor.randn(data, 3, 2, 4, 4);
                try (Scope s = workspace == null ? null : workspace.enter(); Tape tape = Tape.record()) {
                    Tensor y = x.mul(w.reshape(1, 2, 4, 4)).maxPool2d(new int[] {2, 2}, new int[] {2, 2},
                            new int[] {0, 0}).dropout(0.3, true, dropout);
                    tape.backward(y.max(1, false).sum());
                }
                grads.add(w.grad().toFloatArray());
                w.zeroGrad(false);
            }
            if (workspace == null) {
                expectedPoolingGrads = grads;
            } else {
                for (int i = 0; i < grads.size(); i++) {
                    assertArrayEquals(expectedPoolingGrads.get(i), grads.get(i), "step " + i);
                }
            }
        }
    }

    private List<float[]> expectedPoolingGrads;

    @Test
    void backwardAfterTheStepEndedIsRefused() {
        Workspace workspace = new Workspace();
        Tensor w = Tensor.randn(new Random(16), 3, 3).requiresGrad(true);
        try (Tape tape = Tape.record()) {
            Tensor loss;
            try (Scope s = workspace.enter()) {
                loss = w.tanh().sum();
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.backward(loss));
            assertTrue(e.getMessage().contains("run backward inside the step"), e.getMessage());
        }
    }

    @Test
    void stepsDoNotNestAndEndOnce() {
        Workspace a = new Workspace();
        Workspace b = new Workspace();
        Scope s = a.enter();
        assertTrue(a.isOpen());
        assertThrows(IllegalStateException.class, a::enter);
        assertThrows(IllegalStateException.class, b::enter);
        s.close();
        s.close(); // a second close does nothing
        assertFalse(a.isOpen());
        try (Scope t = b.enter()) {
            assertSame(b, GradState.get().workspace);
        }
        assertEquals(1, a.steps());
    }

    @Test
    void aStepEndedByAnExceptionLeavesTheWorkspaceUsable() {
        Workspace workspace = new Workspace();
        Tensor x = Tensor.randn(new Random(7), 2, 5);
        assertThrows(IllegalArgumentException.class, () -> {
            try (Scope s = workspace.enter()) {
                x.exp().matmul(x); // [2, 5] x [2, 5]: does not line up
            }
        });
        double expected = x.exp().sum().item();
        try (Scope s = workspace.enter()) {
            assertEquals(expected, x.exp().sum().item(), 0);
        }
        assertEquals(2, workspace.steps());
    }

    @Test
    void thePoolHoldsOnlyWhatTheLastStepUsed() {
        Workspace workspace = new Workspace();
        Tensor big = Tensor.randn(new Random(8), 64, 64);
        Tensor small = Tensor.randn(new Random(9), 2, 2);
        try (Scope s = workspace.enter()) {
            big.exp().tanh();
        }
        assertEquals(2L * 64 * 64 * Float.BYTES, workspace.pooledBytes());
        try (Scope s = workspace.enter()) {
            small.exp();
        }
        assertEquals(2 * 2 * Float.BYTES, workspace.pooledBytes(), "storage the step did not use is dropped");
    }

    @Test
    void otherThreadsAreNotAffected() throws Exception {
        Workspace workspace = new Workspace();
        Tensor x = Tensor.randn(new Random(10), 3, 3);
        Tensor[] fromOtherThread = new Tensor[1];
        try (Scope s = workspace.enter()) {
            Thread t = new Thread(() -> fromOtherThread[0] = x.exp());
            t.start();
            t.join();
        }
        assertArrayEquals(x.exp().toFloatArray(), fromOtherThread[0].toFloatArray());
    }

    @Test
    void aWarmStepAllocatesOnlyBookkeeping() {
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean sun) || !sun.isThreadAllocatedMemorySupported()) {
            return; // cannot be measured on this JVM
        }
        Random rng = new Random(17);
        List<Tensor> p = List.of(Tensor.randn(rng, 128, 64).mul(0.1).requiresGrad(true),
                Tensor.zeros(128).requiresGrad(true), Tensor.randn(rng, 10, 128).mul(0.1).requiresGrad(true),
                Tensor.zeros(10).requiresGrad(true));
        Tensor x = Tensor.randn(rng, 32, 64);
        int[] labels = rng.ints(32, 0, 10).toArray();
        MatmulKernel installed = Matmul.kernel();
        Matmul.use(new EjmlMatmul()); // the Vector API kernel allocates until the JIT has compiled it
        try {
            long perStep = allocatedPerStep(sun, p, x, labels);
            assertTrue(perStep < 8_000, "a warm step allocated " + perStep + " bytes");
        } finally {
            Matmul.use(installed);
        }
    }

    private static long allocatedPerStep(com.sun.management.ThreadMXBean sun, List<Tensor> p, Tensor x, int[] labels) {
        Workspace workspace = new Workspace();
        long tid = Thread.currentThread().getId();
        long before = 0;
        int warm = 40;
        int measured = 20;
        for (int step = 0; step < warm + measured; step++) {
            if (step == warm) {
                before = sun.getThreadAllocatedBytes(tid);
            }
            try (Scope s = workspace.enter(); Tape tape = Tape.record()) {
                Tensor h = Tensor.linear(x, p.get(0), p.get(1)).relu();
                tape.backward(Losses.crossEntropy(Tensor.linear(h, p.get(2), p.get(3)), labels));
            }
            for (Tensor t : p) {
                t.addInPlace(t.grad(), -0.01);
                t.zeroGrad(false);
            }
        }
        // One [32, 128] activation alone is 16 kB: a step that did not reuse its storage would allocate several.
        return (sun.getThreadAllocatedBytes(tid) - before) / measured;
    }
}
