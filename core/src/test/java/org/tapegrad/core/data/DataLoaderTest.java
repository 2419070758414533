package org.tapegrad.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tensor;

class DataLoaderTest {
    /** Example i has the single feature i and label i % 7, so batches reveal which examples they hold. */
    private static TensorDataset numbered(int n) {
        float[] x = new float[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i % 7;
        }
        return new TensorDataset(Tensor.of(x, n, 1), y);
    }

    private static List<Integer> epoch(DataLoader loader) {
        List<Integer> seen = new ArrayList<>();
        for (Batch b : loader) {
            float[] v = b.inputs().toFloatArray();
            for (int i = 0; i < b.size(); i++) {
                seen.add((int) v[i]);
                assertEquals((int) v[i] % 7, b.labels()[i], "label travels with its example");
            }
        }
        return seen;
    }

    @Test
    void everyExampleAppearsOncePerEpochInANewOrder() {
        try (DataLoader loader = new DataLoader(numbered(103), 10, true, 5, false, false)) {
            assertEquals(11, loader.batchesPerEpoch());
            List<Integer> first = epoch(loader);
            List<Integer> second = epoch(loader);
            for (List<Integer> e : List.of(first, second)) {
                int[] sorted = e.stream().mapToInt(Integer::intValue).sorted().toArray();
                int[] all = new int[103];
                Arrays.setAll(all, i -> i);
                assertArrayEquals(all, sorted);
            }
            assertFalse(first.equals(second), "a new permutation each epoch");
        }
    }

    @Test
    void sameSeedSameOrderAndResumableByEpoch() {
        try (DataLoader a = new DataLoader(numbered(50), 8, true, 9, false, false);
                DataLoader b = new DataLoader(numbered(50), 8, true, 9, false, true)) {
            epoch(a);
            List<Integer> aSecond = epoch(a);
            b.setEpoch(1);
            assertEquals(aSecond, epoch(b), "same seed and epoch, with or without prefetching: same batches");
        }
        try (DataLoader c = new DataLoader(numbered(50), 8, true, 10, false, false)) {
            try (DataLoader a = new DataLoader(numbered(50), 8, true, 9, false, false)) {
                assertFalse(epoch(a).equals(epoch(c)), "another seed, another order");
            }
        }
    }

    @Test
    void dropLastAndNoShuffle() {
        try (DataLoader loader = new DataLoader(numbered(23), 5, false, 0, true, false)) {
            assertEquals(4, loader.batchesPerEpoch());
            List<Integer> seen = epoch(loader);
            assertEquals(20, seen.size());
            for (int i = 0; i < 20; i++) {
                assertEquals(i, seen.get(i));
            }
        }
        try (DataLoader loader = new DataLoader(numbered(23), 5, false, 0, false, true)) {
            int sizes = 0;
            int last = 0;
            for (Batch b : loader) {
                sizes += b.size();
                last = b.size();
            }
            assertEquals(23, sizes);
            assertEquals(3, last);
        }
    }

    @Test
    void invalidSettingsAreRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(numbered(3), 0, true, 0, false, false));
        assertTrue(e.getMessage().contains("batch size must be positive"));
    }

    /** Each batch's examples and labels, copied out as the loop sees them. */
    private static List<String> contents(DataLoader loader) {
        List<String> seen = new ArrayList<>();
        for (Batch b : loader) {
            seen.add(Arrays.toString(b.inputs().toFloatArray()) + Arrays.toString(b.labels()));
        }
        return seen;
    }

    @Test
    void reusedBatchesHoldTheSameExamplesAsNewOnes() {
        for (boolean prefetch : new boolean[] {false, true}) {
            try (DataLoader fresh = new DataLoader(numbered(103), 10, true, 9, false, prefetch);
                    DataLoader reused = new DataLoader(numbered(103), 10, true, 9, false, prefetch)) {
                reused.setReuseBatches(true);
                for (int epoch = 0; epoch < 3; epoch++) { // the last batch of 3 examples changes the shape
                    assertEquals(contents(fresh), contents(reused), "epoch " + epoch + ", prefetch " + prefetch);
                }
            }
        }
    }

    @Test
    void reusedBatchesShareStorageWithEarlierOnes() {
        for (boolean prefetch : new boolean[] {false, true}) {
            try (DataLoader loader = new DataLoader(numbered(100), 10, false, 0, false, prefetch)) {
                loader.setReuseBatches(true);
                List<Tensor> inputs = new ArrayList<>();
                for (Batch b : loader) {
                    inputs.add(b.inputs());
                }
                int period = prefetch ? 2 : 1; // two storages alternate when the next batch is filled meanwhile
                for (int k = period; k < inputs.size(); k++) {
                    assertTrue(inputs.get(k) == inputs.get(k - period), "batch " + k + ", prefetch " + prefetch);
                }
                if (prefetch) {
                    assertFalse(inputs.get(1) == inputs.get(0));
                }
            }
        }
    }

    @Test
    void aBatchThatDoesNotFitIsNotReusedAndBadIndicesAreRefused() {
        TensorDataset data = numbered(20);
        Batch small = data.batch(new int[] {0, 1});
        Batch other = data.batch(new int[] {5, 6, 7}, small);
        assertFalse(other == small, "three rows do not fit a batch of two");
        assertTrue(data.batch(new int[] {8, 9}, small) == small);
        assertArrayEquals(new float[] {8, 9}, small.inputs().toFloatArray());
        assertArrayEquals(new int[] {1, 2}, small.labels());
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> data.batch(new int[] {3, 20}, small));
    }
}
