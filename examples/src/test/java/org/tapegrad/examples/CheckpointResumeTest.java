package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.io.Checkpoint;
import org.tapegrad.core.Losses;
import org.tapegrad.core.Tape;
import org.tapegrad.core.Tensor;
import org.tapegrad.nn.Layer;
import org.tapegrad.optim.LrScheduler;
import org.tapegrad.optim.Optimizer;
import org.tapegrad.optim.StepLr;

/**
 * Save after 5 steps, load into a freshly built model, optimizer and schedule, run 5 more: the parameters equal,
 * bit for bit, those of 10 uninterrupted steps. For every optimizer the examples offer.
 */
class CheckpointResumeTest {
    @TempDir
    Path dir;

    private final Random data = new Random(5);
    private final Tensor x = Tensor.rand(data, 32, 784);
    private final int[] labels = data.ints(32, 0, 10).toArray();

    private record Run(Layer model, Optimizer<?> optimizer, LrScheduler schedule) {
    }

    private static Run fresh(String optimizer) {
        Layer model = MnistTrain.mlp(new Random(11));
        Optimizer<?> opt = MnistTrain.optimizer(optimizer, model.parameters(), 0.01);
        return new Run(model, opt, new StepLr(opt, 3, 0.5));
    }

    private void steps(Run r, int n) {
        for (int i = 0; i < n; i++) {
            try (Tape tape = Tape.record()) {
                tape.backward(Losses.crossEntropy(r.model().call(x), labels));
            }
            r.optimizer().step();
            r.optimizer().zeroGrad();
            r.schedule().step();
        }
    }

    @Test
    void fivePlusFiveStepsEqualTenBitForBit() throws IOException {
        for (String name : List.of("sgd", "momentum", "adam", "adamw")) {
            Run straight = fresh(name);
            steps(straight, 10);

            Run first = fresh(name);
            steps(first, 5);
            Path file = dir.resolve(name + ".safetensors");
            new Checkpoint(Map.of("model", first.model().stateDict(), "optimizer", first.optimizer().stateDict(),
                    "schedule", first.schedule().stateDict()), Map.of("step", "5")).save(file);

            Run second = fresh(name);
            Checkpoint c = Checkpoint.load(file);
            second.model().loadStateDict(c.part("model"), true);
            second.optimizer().loadStateDict(c.part("optimizer"));
            second.schedule().loadStateDict(c.part("schedule"));
            assertEquals("5", c.metadata().get("step"));
            steps(second, 5);

            Function<Run, List<Tensor>> params = r -> r.model().parameters();
            for (int i = 0; i < params.apply(straight).size(); i++) {
                assertArrayEquals(params.apply(straight).get(i).toFloatArray(),
                        params.apply(second).get(i).toFloatArray(), 0f, name + ": parameter " + i);
            }
        }
    }
}
