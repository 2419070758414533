package org.tapegrad.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What sharing storage means: writes, versions, workspace lifetime and copies (or their absence). */
class ViewSemanticsTest {

    @Test
    void anInPlaceWriteThroughAViewChangesTheBaseAndOnlyThatPart() {
        Tensor x = Tensor.zeros(DType.FLOAT64, 3, 4);
        x.narrow(1, 1, 2).fill(7);
        x.t().select(0, 3).addInPlace(Tensor.of(new double[] {1, 2, 3}, 3), 2); // column 3 += 2·[1, 2, 3]
        x.select(0, 2).mulInPlace(-1);
        x.select(0, 0).narrow(0, 0, 1).copyFrom(Tensor.of(new float[] {5}, 1)); // another dtype
        assertArrayEquals(new double[] {5, 7, 7, 2, 0, 7, 7, 4, -0.0, -7, -7, -6}, x.toDoubleArray());
    }

    @Test
    void aSavedTensorChangedThroughAnotherViewIsRefusedInBackward() {
        Tensor w = Tensor.randn(DType.FLOAT64, new Random(1), 3, 4).requiresGrad(true);
        Tensor x = Tensor.randn(DType.FLOAT64, new Random(2), 2, 3);
        try (Tape tape = Tape.record()) {
            Tensor y = x.matmul(w).mul(x.matmul(w)).sum(); // saves x
            x.t().narrow(0, 1, 1).fill(0);                  // a write through a view of x's storage
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> tape.backward(y));
            assertTrue(e.getMessage().contains("was modified in place"), e.getMessage());
        }
    }

    @Test
    void anExpandedViewRefusesInPlaceWrites() {
        Tensor x = Tensor.zeros(1, 3).expand(4, 3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.fill(1));
        assertTrue(e.getMessage().startsWith("fill: this [4, 3] tensor is an expanded view (stride 0 along dimension 0)"),
                e.getMessage());
    }

    @Test
    void endingAStepInvalidatesEveryViewAtOnce() {
        Workspace workspace = new Workspace();
        Tensor x = Tensor.randn(new Random(3), 4, 5);
        List<Tensor> views;
        Tensor kept;
        try (Scope s = workspace.enter()) {
            Tensor y = x.exp();
            views = List.of(y.t(), y.narrow(1, 1, 2), y.select(0, 3), y.unsqueeze(0).expand(2, 4, 5), y.chunk(2, 0).get(1));
            Tensor z = x.tanh();
            kept = z.narrow(0, 1, 2);
            workspace.keep(z.t()); // keeping any view keeps the storage, and so every view of it
        }
        for (Tensor v : views) {
            IllegalStateException e = assertThrows(IllegalStateException.class, v::toFloatArray);
            assertTrue(e.getMessage().contains("Workspace step that has ended"), e.getMessage());
        }
        try (Scope s = workspace.enter()) {
            x.mul(3).tanh(); // would reuse the storage if it had been returned
        }
        assertArrayEquals(x.tanh().narrow(0, 1, 2).toFloatArray(), kept.toFloatArray());
    }

    @Test
    void aProductOfATransposedViewCopiesNothing() {
        Workspace workspace = new Workspace();
        Tensor a = Tensor.randn(new Random(4), 30, 20); // aᵀ is [20, 30]
        Tensor b = Tensor.randn(new Random(5), 30, 10);
        float[] expected = Tensor.matmul(a, true, b, false).toFloatArray();
        float[] expectedOther = Tensor.matmul(b, true, a, false).toFloatArray();
        try (Scope s = workspace.enter()) {
            assertArrayEquals(expected, a.t().matmul(b).toFloatArray());
            assertArrayEquals(expectedOther, b.t().matmul(a).toFloatArray());
        }
        // Only the two results were lent: no copy of a transposed operand.
        assertEquals((20L * 10 + 10 * 20) * Float.BYTES, workspace.pooledBytes());
        try (Scope s = workspace.enter()) {
            a.narrow(1, 0, 10).t().matmul(b); // a transpose of a strided view: not a plain matrix, so it is copied
        }
        assertEquals((10L * 10 + 10 * 30) * Float.BYTES, workspace.pooledBytes());
    }

    @Test
    void reshapeIsAViewWhenTheStridesAllowAndACopyOtherwise() {
        Tensor x = Tensor.randn(new Random(6), 4, 6);
        assertSame(x.storage(), x.reshape(2, 2, 3, 2).storage());
        assertSame(x.storage(), x.t().reshape(2, 3, 4).storage(), "splitting a dimension of a transpose is a view");
        assertSame(x.storage(), x.t().view(6, 2, 2).storage());
        Tensor flat = x.t().reshape(24);
        assertTrue(flat.storage() != x.storage());
        assertArrayEquals(x.t().contiguous().toFloatArray(), flat.toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.t().view(24));
        assertTrue(e.getMessage().startsWith("view: the strides [1, 6] of shape [6, 4] cannot express shape [24]"),
                e.getMessage());
    }

    @Test
    void contiguousCopiesOnlyWhenItMust() {
        Tensor x = Tensor.randn(new Random(7), 3, 4);
        assertSame(x, x.contiguous());
        Tensor t = x.t();
        Tensor c = t.contiguous();
        assertTrue(c.isContiguous() && c.storage() != x.storage());
        assertArrayEquals(t.toFloatArray(), c.toFloatArray());
        Tensor rows = x.narrow(0, 1, 2); // contiguous, but not at the start of its storage
        assertTrue(rows.isContiguous());
        assertArrayEquals(rows.toFloatArray(), rows.contiguous().float32Matrix().data);
    }

    @Test
    void rankEightTensorsWorkThroughEveryLayout() {
        Random rng = new Random(8);
        Tensor x = Tensor.randn(DType.FLOAT64, rng, 2, 1, 3, 2, 1, 2, 3, 2);
        Tensor p = x.permute(7, 6, 5, 4, 3, 2, 1, 0);
        Tensor y = p.add(p.exp()).permute(7, 6, 5, 4, 3, 2, 1, 0);
        double[] xs = x.toDoubleArray();
        double[] ys = y.toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            assertEquals(xs[i] + Math.exp(xs[i]), ys[i], 1e-12);
        }
        assertEquals(x.sum().item(), p.sum().item(), 1e-12);
        assertEquals(x.get(1, 0, 2, 1, 0, 1, 2, 1), p.get(1, 2, 1, 0, 1, 2, 0, 1));
        Tensor e = x.select(1, 0).unsqueeze(1).expand(2, 3, 3, 2, 1, 2, 3, 2);
        assertEquals(3 * x.sum().item(), e.sum().item(), 1e-9);
    }
}
