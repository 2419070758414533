package org.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tensor;

class LayerTest {

    /** A model with a named child container, as users write them. */
    static final class Mlp extends Layer {
        final Sequential layers;

        Mlp(Random rng, int... sizes) {
            Sequential s = new Sequential();
            for (int i = 0; i + 1 < sizes.length; i++) {
                s.add(new Linear(sizes[i], sizes[i + 1], rng));
                if (i + 2 < sizes.length) {
                    s.add(new Relu());
                }
            }
            layers = registerModule("layers", s);
        }

        @Override
        public Tensor forward(Tensor x) {
            return layers.call(x);
        }
    }

    /** Two layers sharing one weight, plus the shared weight registered a second time under another name. */
    static final class Tied extends Layer {
        final Linear first;
        final Tensor shared;

        Tied(Random rng) {
            first = registerModule("first", new Linear(3, 3, rng));
            shared = registerParameter("shared", first.weight());
        }

        @Override
        public Tensor forward(Tensor x) {
            return Tensor.matmul(first.call(x), false, shared, true);
        }
    }

    /** Returns its input: lets a test measure the cost of call() itself. */
    static final class Identity extends Layer {
        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    @Test
    void nestedModulesGetDottedNamesInRegistrationOrder() {
        Mlp mlp = new Mlp(new Random(0), 4, 8, 2);
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"),
                List.copyOf(mlp.namedParameters().keySet()));
        assertSame(((Linear) mlp.layers.get(2)).bias(), mlp.namedParameters().get("layers.2.bias"));
        assertEquals(List.of("", "layers", "layers.0", "layers.1", "layers.2"), List.copyOf(mlp.namedModules().keySet()));
        assertEquals(List.of("layers"), List.copyOf(mlp.namedChildren().keySet()));
        assertEquals(List.of(mlp.layers), mlp.children());
        assertTrue(mlp.parameters().stream().allMatch(Tensor::requiresGrad));
    }

    @Test
    void trainAndEvalReachEveryDescendant() {
        Mlp mlp = new Mlp(new Random(0), 4, 8, 8, 2);
        assertTrue(mlp.namedModules().values().stream().allMatch(Layer::isTraining));
        mlp.eval();
        assertTrue(mlp.namedModules().values().stream().noneMatch(Layer::isTraining));
        mlp.train();
        assertTrue(mlp.namedModules().values().stream().allMatch(Layer::isTraining));
        mlp.layers.get(0).eval(); // only that subtree
        assertFalse(mlp.layers.get(0).isTraining());
        assertTrue(mlp.layers.get(2).isTraining());
    }

    @Test
    void aTiedWeightIsOneParameter() {
        Tied tied = new Tied(new Random(0));
        assertEquals(2, tied.parameters().size()); // first.weight (== shared) and first.bias
        assertEquals(List.of("shared", "first.bias"), List.copyOf(tied.namedParameters().keySet())); // own first, as PyTorch
        assertEquals(9 + 3, tied.numParameters());
        // The state dict names every place the tensor lives, as PyTorch's does.
        assertEquals(List.of("shared", "first.weight", "first.bias"), List.copyOf(tied.stateDict().tensors().keySet()));
    }

    @Test
    void mnistMlpHas335114Parameters() {
        Mlp mlp = new Mlp(new Random(0), 784, 256, 256, 256, 10);
        assertEquals(335_114, mlp.numParameters());
        assertEquals(8, mlp.parameters().size());
    }

    @Test
    void summaryListsRowsShapesAndTotal() {
        Mlp mlp = new Mlp(new Random(0), 784, 256, 256, 256, 10);
        String before = mlp.summary();
        assertTrue(before.contains("layers.0 (Linear)"), before);
        assertTrue(before.contains("?"), before); // shapes unknown before a pass
        String s = mlp.summary(Tensor.zeros(3, 784));
        assertTrue(mlp.isTraining(), "summary restores the training flag");
        for (String row : List.of("layers.0 (Linear)", "layers.1 (Relu)", "layers.6 (Linear)", "200,960", "65,792",
                "2,570", "[3, 256]", "[3, 10]", "Total params: 335,114", "Trainable params: 335,114")) {
            assertTrue(s.contains(row), () -> "missing '" + row + "' in\n" + s);
        }
        assertTrue(s.lines().anyMatch(l -> l.startsWith("layers.6 (Linear)") && l.contains("[3, 10]")
                && l.endsWith("2,570")), s);
        assertEquals(s, mlp.summary(), "shapes are remembered");
    }

    @Test
    void summaryPassChangesNoState() {
        Sequential model = new Sequential(new Linear(3, 4, new Random(0)), new BatchNorm1d(4), new Dropout(0.5));
        BatchNorm1d bn = (BatchNorm1d) model.get(1);
        model.summary(Tensor.ones(5, 3));
        assertEquals(0, bn.numBatchesTracked());
        assertEquals(0, bn.runningMean().toDoubleArray()[0]);
        assertTrue(model.get(2).isTraining());
    }

    @Test
    void toStringShowsTheTree() {
        Sequential model = new Sequential(new Linear(2, 3, new Random(0)), new Relu());
        assertEquals("Sequential(\n  (0): Linear(in=2, out=3, bias=true)\n  (1): Relu()\n)", model.toString());
    }

    @Test
    void badRegistrationsAreRefused() {
        class Bad extends Layer {
            Bad(String first, String second) {
                registerParameter(first, Tensor.zeros(1));
                registerBuffer(second, Tensor.zeros(1));
            }

            @Override
            public Tensor forward(Tensor input) {
                return input;
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Bad("w", "w"));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Bad("a.b", "c"));
        assertThrows(IllegalArgumentException.class, () -> new Bad("", "c"));
    }

    @Test
    void zeroGradClearsEveryParameter() {
        Mlp mlp = new Mlp(new Random(0), 2, 2);
        mlp.parameters().forEach(p -> p.setGrad(Tensor.ones(p.shape())));
        mlp.zeroGrad();
        assertTrue(mlp.parameters().stream().allMatch(p -> p.grad() == null));
    }

    @Test
    void callWithoutHooksAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean sun) || !sun.isThreadAllocatedMemorySupported()) {
            return; // cannot be measured on this JVM
        }
        Identity id = new Identity();
        Tensor x = Tensor.zeros(2);
        long tid = Thread.currentThread().getId();
        id.registerForwardHook((m, in, out) -> null).remove(); // registered and removed: back to the plain path
        for (int i = 0; i < 20_000; i++) {
            id.call(x);
        }
        long before = sun.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            id.call(x);
        }
        long after = sun.getThreadAllocatedBytes(tid);
        // 100k calls: even 8 bytes each would be 800 kB; the margin absorbs the measuring calls themselves.
        assertTrue(after - before < 10_000, "call() allocated " + (after - before) + " bytes over 100k calls");
    }
}
