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
}
