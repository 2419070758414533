package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.io.Json;

/** Short MNIST trainings on a subset: accuracy reached, exact resume from a checkpoint, the JSON report. */
class MnistTrainTest {
    private static MnistData full;
    private static MnistData small;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        full = MnistData.embedded();
        small = new MnistData(full.train().head(6000), full.test().head(2000), "mnist subset");
    }

    private static MnistTrain.Config config(int stopAfter, Path checkpoint, Path resume, Path report) {
        return new MnistTrain.Config("mlp", "momentum", 0.05, 2, stopAfter, 64, 3, 1, null, checkpoint, resume, report,
                false, false);
    }

    @Test
    void theEmbeddedDataSetIsMnist() {
        assertEquals(60_000, full.train().size());
        assertEquals(10_000, full.test().size());
        assertArrayEquals(new int[] {60_000, 784}, full.train().inputs().shape());
        assertArrayEquals(new int[] {5, 0, 4, 1, 9}, Arrays.copyOf(full.train().labels(), 5),
                "the first MNIST training labels");
    }

    @Test
    void aShortTrainingLearnsAndTheReportHoldsItsFields() throws IOException {
        // 2 epochs of 94 steps on 6,000 images (measured: 87.5%); chance is 10% on the 2,000 held-out test images.
        Path report = dir.resolve("report.json");
        List<MnistTrain.EpochResult> r = MnistTrain.run(config(2, null, null, report), small, false);
        assertEquals(2, r.size());
        assertTrue(r.get(1).testAccuracy() > 0.85, "test accuracy " + r.get(1).testAccuracy());
        assertTrue(r.get(1).trainLoss() < r.get(0).trainLoss());

        Map<?, ?> json = (Map<?, ?>) Json.parse(Files.readString(report));
        for (String key : List.of("test_accuracy", "test_loss", "epochs", "train_samples_per_sec", "wall_seconds",
                "parameters", "seed", "threads", "dataset")) {
            assertTrue(json.containsKey(key), "report lacks " + key);
        }
        assertEquals(r.get(1).testAccuracy(), ((Number) json.get("test_accuracy")).doubleValue(), 0);
        assertEquals(335_114L, json.get("parameters"));
        assertEquals(2L, json.get("epochs"));
        assertEquals(3L, json.get("seed"));
        assertEquals("mnist subset", json.get("dataset"));
        assertTrue(((Number) json.get("train_samples_per_sec")).doubleValue() > 0);
    }

    @Test
    void resumingFromACheckpointGivesTheUninterruptedRun() throws IOException {
        List<MnistTrain.EpochResult> straight = MnistTrain.run(config(2, null, null, null), small, false);
        Path ckpt = dir.resolve("ckpt.safetensors");
        List<MnistTrain.EpochResult> interrupted = MnistTrain.run(config(1, ckpt, null, null), small, false);
        List<MnistTrain.EpochResult> resumed = MnistTrain.run(config(2, null, ckpt, null), small, false);
        assertEquals(1, interrupted.size());
        assertEquals(1, resumed.size());
        assertEquals(2, resumed.get(0).epoch());
        assertEquals(straight.get(0).trainLoss(), interrupted.get(0).trainLoss(), 0, "same seed, same first epoch");
        assertEquals(straight.get(1).trainLoss(), resumed.get(0).trainLoss(), 0, "resumed epoch 2, bit for bit");
        assertEquals(straight.get(1).testLoss(), resumed.get(0).testLoss(), 0);
        assertEquals(straight.get(1).testAccuracy(), resumed.get(0).testAccuracy(), 0);
    }
}
