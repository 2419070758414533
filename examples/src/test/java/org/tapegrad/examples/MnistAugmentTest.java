package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code mnist --augment}: augmented runs are reproducible, differ from plain ones, and still learn. */
class MnistAugmentTest {
    private static MnistTrain.Config config(boolean augment) {
        return new MnistTrain.Config("cnn", "momentum", 0.05, 1, 1, 64, 2, 1, null, null, null, null, false, false,
                augment);
    }

    @Test
    void augmentedTrainingIsSeededAndChangesWhatTheModelSees() throws IOException {
        MnistData full = MnistData.embedded();
        MnistData tiny = new MnistData(full.train().head(640), full.test().head(300), "mnist tiny");
        List<MnistTrain.EpochResult> plain = MnistTrain.run(config(false), tiny, false);
        List<MnistTrain.EpochResult> augmented = MnistTrain.run(config(true), tiny, false);
        List<MnistTrain.EpochResult> again = MnistTrain.run(config(true), tiny, false);
        assertEquals(augmented.get(0).trainLoss(), again.get(0).trainLoss(), 0, "same seed, same augmented run");
        assertEquals(augmented.get(0).testAccuracy(), again.get(0).testAccuracy(), 0);
        assertNotEquals(plain.get(0).trainLoss(), augmented.get(0).trainLoss(), "the training images were changed");
        // 10 steps of 64 images: past chance (10%) either way
        assertTrue(augmented.get(0).testAccuracy() > 0.2, "test accuracy " + augmented.get(0).testAccuracy()
                + " (without augmentation " + plain.get(0).testAccuracy() + ")");
    }
}
