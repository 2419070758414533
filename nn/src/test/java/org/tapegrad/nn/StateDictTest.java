package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.io.StateDict;
import org.tapegrad.core.Tensor;

class StateDictTest {

    private static Sequential model(long seed) {
        Sequential m = new Sequential(new Linear(3, 4, new Random(seed)), new BatchNorm1d(4), new Linear(4, 2, new Random(seed + 1)));
        m.call(Tensor.randn(new Random(seed), 6, 3)); // moves the running statistics away from their initial values
        return m;
    }

    @Test
    void namesAreDottedParametersThenBuffersPerModule() {
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                "1.num_batches_tracked", "2.weight", "2.bias"), List.copyOf(model(0).stateDict().tensors().keySet()));
        assertEquals(Map.of(), model(0).stateDict().values());
    }

    @Test
    void roundTripCopiesValuesIntoTheExistingTensors() {
        Sequential a = model(1);
        Sequential b = model(2);
        Tensor bWeight = ((Linear) b.get(0)).weight();
        assertNotEquals(a.stateDict().tensor("0.weight").get(0, 0), bWeight.get(0, 0));
        LoadResult r = b.loadStateDict(a.stateDict(), true);
        assertTrue(r.isComplete());
        assertSame(bWeight, ((Linear) b.get(0)).weight());
        a.stateDict().tensors().forEach((name, t) ->
                assertArrayEquals(t.toDoubleArray(), b.stateDict().tensor(name).toDoubleArray(), 0, name));
        assertEquals(1, ((BatchNorm1d) b.get(1)).numBatchesTracked());
        // Copies, not shared storage.
        TestTensors.set(((Linear) a.get(0)).weight(), new double[12]);
        assertNotEquals(0, bWeight.get(0, 0));
    }

    @Test
    void strictLoadNamesEveryMissingAndUnexpectedKey() {
        Sequential b = model(2);
        Map<String, Tensor> t = new LinkedHashMap<>(model(1).stateDict().tensors());
        t.remove("0.bias");
        t.remove("1.running_var");
        t.put("3.weight", Tensor.zeros(1));
        t.put("extra", Tensor.zeros(1));
        StateDict state = StateDict.ofTensors(t);
        double before = ((Linear) b.get(0)).weight().get(0, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(state, true));
        for (String name : List.of("0.bias", "1.running_var", "3.weight", "extra")) {
            assertTrue(e.getMessage().contains(name), () -> name + " not named in: " + e.getMessage());
        }
        assertEquals(before, ((Linear) b.get(0)).weight().get(0, 0), "nothing copied on error");

        LoadResult r = b.loadStateDict(state, false);
        assertEquals(List.of("0.bias", "1.running_var"), r.missingKeys());
        assertEquals(List.of("3.weight", "extra"), r.unexpectedKeys());
        assertEquals(model(1).stateDict().tensor("0.weight").get(0, 0), ((Linear) b.get(0)).weight().get(0, 0));
    }

    @Test
    void shapeMismatchesAlwaysThrowNamingEachEntry() {
        Sequential b = model(2);
        Map<String, Tensor> t = new LinkedHashMap<>(model(1).stateDict().tensors());
        t.put("0.weight", Tensor.zeros(4, 5));
        t.put("2.bias", Tensor.zeros(3));
        for (boolean strict : new boolean[] {true, false}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.loadStateDict(StateDict.ofTensors(t), strict));
            assertTrue(e.getMessage().contains("0.weight: checkpoint [4, 5], model [4, 3]")
                    && e.getMessage().contains("2.bias: checkpoint [3], model [2]"), e.getMessage());
        }
    }
}
