package org.tapegrad.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.DType;
import org.tapegrad.core.Tensor;

/** Datasets, batches and loaders with tensor targets (regression, multi-label) next to class labels. */
class TensorTargetsTest {
    /** Example i: inputs (i, -i), targets (2i, i + 0.5, 1) in float64, so a batch shows which rows it holds. */
    private static TensorDataset regression(int n) {
        float[] x = new float[2 * n];
        double[] y = new double[3 * n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[3 * i] = 2 * i;
            y[3 * i + 1] = i + 0.5;
            y[3 * i + 2] = 1;
        }
        return new TensorDataset(Tensor.of(x, n, 2), Tensor.of(DType.FLOAT64, y, n, 3));
    }

    private static void assertRowsMatch(Batch b) {
        float[] x = b.inputs().toFloatArray();
        double[] y = b.targets().toDoubleArray();
        for (int r = 0; r < b.size(); r++) {
            int i = (int) x[2 * r];
            assertEquals(-i, x[2 * r + 1], 0);
            assertArrayEquals(new double[] {2 * i, i + 0.5, 1}, new double[] {y[3 * r], y[3 * r + 1], y[3 * r + 2]},
                    "targets travel with their inputs, row " + r);
        }
    }

    @Test
    void batchesCarryTheTargetRowsOfTheirExamples() {
        TensorDataset d = regression(37);
        assertFalse(d.hasLabels());
        Batch b = d.batch(new int[] {5, 0, 36, 5});
        assertFalse(b.hasLabels());
        assertArrayEquals(new int[] {4, 3}, b.targets().shape());
        assertEquals(DType.FLOAT64, b.targets().dtype(), "targets keep their dtype");
        assertRowsMatch(b);
        IllegalStateException e = assertThrows(IllegalStateException.class, b::labels);
        assertTrue(e.getMessage().contains("tensor targets of shape [4, 3]") && e.getMessage().contains("targets()"),
                e.getMessage());
        assertThrows(IllegalStateException.class, d::labels);
        TensorDataset head = d.head(3);
        assertArrayEquals(new double[] {0, 0.5, 1, 2, 1.5, 1, 4, 2.5, 1}, head.targets().toDoubleArray());
    }

    @Test
    void theLoaderShufflesTargetsWithTheirInputsAndReusesTheirStorage() {
        for (int workers : new int[] {0, 2}) {
            try (DataLoader loader = new DataLoader(regression(50), 8, true, 3, false, workers)) {
                loader.setReuseBatches(true);
                Set<Integer> seen = new HashSet<>();
                Tensor firstTargets = null;
                int k = 0;
                for (Batch b : loader) {
                    assertRowsMatch(b);
                    for (float v : b.inputs().toFloatArray()) {
                        if (v >= 0) {
                            seen.add((int) v);
                        }
                    }
                    if (k == 0) {
                        firstTargets = b.targets();
                    } else if (k == workers + 1 && b.size() == 8) {
                        assertSame(firstTargets, b.targets(), "batch " + k + " reuses batch 0's target storage");
                    }
                    k++;
                }
                assertEquals(50, seen.size(), "every example once");
            }
        }
    }

    @Test
    void labelsKeepTheirPathAndMismatchesAreRefused() {
        TensorDataset labelled = new TensorDataset(Tensor.zeros(4, 2), new int[] {1, 2, 3, 4});
        assertTrue(labelled.hasLabels());
        Batch b = labelled.batch(new int[] {3, 1});
        assertArrayEquals(new int[] {4, 2}, b.labels());
        IllegalStateException e = assertThrows(IllegalStateException.class, b::targets);
        assertTrue(e.getMessage().contains("2 class labels"), e.getMessage());
        assertThrows(IllegalStateException.class, labelled::targets);

        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.zeros(4, 2), Tensor.zeros(5, 1)));
        assertTrue(rows.getMessage().contains("[5, 1]") && rows.getMessage().contains("[4, 2]"), rows.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.zeros(4, 2), Tensor.scalar(1)));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> new Batch(Tensor.zeros(2, 2), new int[] {0, 1}, Tensor.zeros(2, 1)));
        assertTrue(both.getMessage().contains("both"), both.getMessage());
        IllegalArgumentException neither = assertThrows(IllegalArgumentException.class,
                () -> new Batch(Tensor.zeros(2, 2), null, null));
        assertTrue(neither.getMessage().contains("neither"), neither.getMessage());
        IllegalArgumentException short_ = assertThrows(IllegalArgumentException.class,
                () -> new Batch(Tensor.zeros(3, 2), Tensor.zeros(2, 4)));
        assertTrue(short_.getMessage().contains("targets of shape [2, 4]"), short_.getMessage());
    }
}
