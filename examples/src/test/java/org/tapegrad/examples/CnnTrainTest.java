package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A short training of {@code mnist --model cnn} on a subset of MNIST. */
class CnnTrainTest {

    @Test
    void aShortCnnTrainingLearns() throws IOException {
        MnistData full = MnistData.embedded();
        MnistData small = new MnistData(full.train().head(4000), full.test().head(1000), "mnist subset");
        MnistTrain.Config c = new MnistTrain.Config("cnn", "momentum", 0.05, 2, 2, 64, 3, 1, null, null, null, null,
                false, false);
        List<MnistTrain.EpochResult> r = MnistTrain.run(c, small, false);
        assertEquals(2, r.size());
        // 2 epochs of 63 steps on 4,000 images (measured: 94.2%; the MLP test reaches 87.5% on 6,000 images);
        // chance is 10% on the 1,000 held-out test images.
        assertTrue(r.get(1).testAccuracy() > 0.93, "test accuracy " + r.get(1).testAccuracy());
        assertTrue(r.get(1).trainLoss() < r.get(0).trainLoss());
    }
}
