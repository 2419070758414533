package org.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tapegrad.core.data.TensorDataset;

/** The saliency demonstration on a slice of MNIST: the maps point at the pixels that matter, and the PNG is there. */
class SaliencyTest {
    @TempDir
    Path dir;

    @Test
    void theMostAttributedPixelsMatterMoreThanRandomOnesAndTheImageIsWritten() throws IOException {
        MnistData data = MnistData.embedded();
        TensorDataset train = data.train().head(6000);
        Path out = dir.resolve("saliency.png");
        Saliency.Outcome o = Saliency.run(train, data.test().head(500), 6, 1, 1, out, false);
        assertTrue(o.testAccuracy() > 0.85, o.toString());
        assertTrue(o.salientDrop() > 2 * o.randomDrop() && o.salientDrop() > 1, o.toString());
        BufferedImage img = ImageIO.read(out.toFile());
        assertEquals(6 * 28 * Saliency.SCALE, img.getWidth());
        assertEquals(16 + 2 * 28 * Saliency.SCALE, img.getHeight());
    }

    @Test
    void aMissingFolderIsRefusedBeforeTraining() throws IOException {
        MnistData data = MnistData.embedded();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Saliency.run(
                data.train().head(10), data.test().head(10), 2, 1, 1, dir.resolve("missing/s.png"), false));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
