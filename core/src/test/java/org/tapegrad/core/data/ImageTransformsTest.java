package org.tapegrad.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tapegrad.core.Tensor;

/** The image transforms against their definitions, and the loader's per-example, worker-independent seeding. */
class ImageTransformsTest {
    private static final ImageTransform.Shape SHAPE = new ImageTransform.Shape(1, 8, 8);

    /** Pixel (y, x) of channel c = 1 + 100c + 10y + x: every value tells where it came from. */
    private static float[] ramp(ImageTransform.Shape s) {
        float[] p = new float[s.size()];
        for (int c = 0; c < s.channels(); c++) {
            for (int y = 0; y < s.height(); y++) {
                for (int x = 0; x < s.width(); x++) {
                    p[(c * s.height() + y) * s.width() + x] = 1 + 100 * c + 10 * y + x;
                }
            }
        }
        return p;
    }

    private static float[] applied(ImageTransform t, float[] image, long seed) {
        float[] out = image.clone();
        t.apply(out, 0, SHAPE, new SplittableRandom(seed));
        return out;
    }

    @Test
    void normalizeIsPerChannel() {
        ImageTransform.Shape two = new ImageTransform.Shape(2, 1, 2);
        float[] p = {1, 3, 10, 20};
        ImageTransforms.normalize(new double[] {1, 10}, new double[] {2, 5}).apply(p, 0, two, null);
        assertArrayEquals(new float[] {0, 1, 0, 2}, p);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageTransforms.normalize(new double[] {0}, new double[] {0}));
        assertTrue(e.getMessage().contains("std must be positive"), e.getMessage());
        ImageTransform three = ImageTransforms.normalize(new double[] {0, 0, 0}, new double[] {1, 1, 1});
        e = assertThrows(IllegalArgumentException.class, () -> three.apply(new float[4], 0, two, null));
        assertTrue(e.getMessage().contains("3 means for images of 2 channels"), e.getMessage());
    }

    @Test
    void randomCropIsAShiftWithinThePaddingFilledWithZero() {
        float[] image = ramp(SHAPE);
        List<String> shifts = new ArrayList<>();
        for (long seed = 0; seed < 40; seed++) {
            float[] out = applied(ImageTransforms.randomCrop(2), image, seed);
            int[] found = null;
            for (int dy = -2; dy <= 2 && found == null; dy++) {
                for (int dx = -2; dx <= 2 && found == null; dx++) {
                    boolean match = true;
                    for (int y = 0; y < 8 && match; y++) {
                        for (int x = 0; x < 8 && match; x++) {
                            int sy = y + dy;
                            int sx = x + dx;
                            float expected = sy >= 0 && sy < 8 && sx >= 0 && sx < 8 ? image[sy * 8 + sx] : 0;
                            match = out[y * 8 + x] == expected;
                        }
                    }
                    if (match) {
                        found = new int[] {dy, dx};
                    }
                }
            }
            assertTrue(found != null, "seed " + seed + ": not a shift by at most 2 pixels");
            shifts.add(Arrays.toString(found));
        }
        assertTrue(shifts.stream().distinct().count() > 10, "the shifts vary: " + shifts);
        assertArrayEquals(image, applied(ImageTransforms.randomCrop(0), image, 1), "padding 0 is the identity");
        assertThrows(IllegalArgumentException.class, () -> ImageTransforms.randomCrop(-1));
    }

    @Test
    void rotationByARightAngleMovesEveryPixelExactly() {
        ImageTransform.Shape two = new ImageTransform.Shape(2, 8, 8);
        float[] image = ramp(two);
        float[] out = image.clone();
        ImageTransforms.rotate(out, 0, two, Math.PI / 2);
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    // clockwise on screen: out(y, x) = in(7 - x, y)
                    assertEquals(image[(c * 8 + 7 - x) * 8 + y], out[(c * 8 + y) * 8 + x], 1e-4, c + "," + y + "," + x);
                }
            }
        }
        float[] same = image.clone();
        ImageTransforms.rotate(same, 0, two, 0);
        assertArrayEquals(image, same);
        float[] small = applied(ImageTransforms.randomRotation(10), ramp(SHAPE), 3);
        assertFalse(Arrays.equals(ramp(SHAPE), small), "a random angle moves the pixels");
        assertEquals(ramp(SHAPE)[27], small[27], 10, "by a little near the centre");
        assertThrows(IllegalArgumentException.class, () -> ImageTransforms.randomRotation(200));
    }

    @Test
    void randomErasingFillsOneRectangleOfTheRequestedSize() {
        ImageTransform erase = ImageTransforms.randomErasing(1, 0.1, 0.3, 0.5, 2, -1);
        for (long seed = 0; seed < 30; seed++) {
            float[] out = applied(erase, ramp(SHAPE), seed);
            int top = 8;
            int bottom = -1;
            int left = 8;
            int right = -1;
            int count = 0;
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    if (out[y * 8 + x] == -1) {
                        count++;
                        top = Math.min(top, y);
                        bottom = Math.max(bottom, y);
                        left = Math.min(left, x);
                        right = Math.max(right, x);
                    } else {
                        assertEquals(ramp(SHAPE)[y * 8 + x], out[y * 8 + x], "outside the rectangle: unchanged");
                    }
                }
            }
            if (count == 0) {
                continue; // no draw fitted: allowed, the image is unchanged
            }
            int h = bottom - top + 1;
            int w = right - left + 1;
            assertEquals(h * w, count, "seed " + seed + ": one filled rectangle");
            // the area is rounded from [6.4, 19.2] pixels and the ratio from [0.5, 2]
            assertTrue(count >= 4 && count <= 25, "seed " + seed + ": area " + count);
        }
        float[] image = ramp(SHAPE);
        assertArrayEquals(image, applied(ImageTransforms.randomErasing(0, 0.1, 0.3, 0.5, 2, -1), image, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageTransforms.randomErasing(1.5, 0.1, 0.3, 0.5, 2, 0));
        assertTrue(e.getMessage().contains("probability"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ImageTransforms.randomErasing(0.5, 0.4, 0.3, 0.5, 2, 0));
    }

    @Test
    void composeAppliesInOrder() {
        ImageTransform crop = ImageTransforms.randomCrop(1);
        ImageTransform norm = ImageTransforms.normalize(10, 2);
        float[] image = ramp(SHAPE);
        float[] composed = applied(ImageTransform.compose(crop, norm), image, 9);
        float[] byHand = applied(crop, image, 9);
        norm.apply(byHand, 0, SHAPE, null);
        assertArrayEquals(byHand, composed);
        assertNotEquals(Arrays.toString(applied(ImageTransform.compose(norm, crop), image, 9)),
                Arrays.toString(composed), "the other order fills with 0 after normalising");
        assertArrayEquals(image, applied(ImageTransform.compose(), image, 1));
    }

    /** 64 images of 8 x 8 with labels; example i's pixels start at i. */
    private static TensorDataset images(int n) {
        float[] x = new float[n * 64];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < 64; p++) {
                x[i * 64 + p] = i + p / 64f;
            }
            y[i] = i % 10;
        }
        return new TensorDataset(Tensor.of(x, n, 64), y);
    }

    private static List<float[]> epochs(DataLoader loader, int epochs) {
        List<float[]> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            for (Batch b : loader) {
                out.add(b.inputs().toFloatArray());
                float[] labels = new float[b.size()];
                for (int i = 0; i < b.size(); i++) {
                    labels[i] = b.labels()[i];
                }
                out.add(labels);
            }
        }
        return out;
    }

    private static ImageTransform augment() {
        return ImageTransform.compose(ImageTransforms.randomCrop(2), ImageTransforms.randomRotation(15),
                ImageTransforms.randomErasing());
    }

    @Test
    void augmentedBatchesAreTheSameBitsWhateverTheWorkersAndTheBatchReuse() {
        List<float[]> reference = null;
        for (int workers : new int[] {0, 1, 3}) {
            for (boolean reuse : new boolean[] {false, true}) {
                try (DataLoader loader = new DataLoader(images(45), 8, true, 11, false, workers)) {
                    assertEquals(workers, loader.workers());
                    loader.setReuseBatches(reuse);
                    loader.setTransform(SHAPE, augment());
                    List<float[]> got = epochs(loader, 2);
                    if (reference == null) {
                        reference = got;
                    } else {
                        assertEquals(reference.size(), got.size());
                        for (int i = 0; i < got.size(); i++) {
                            assertArrayEquals(reference.get(i), got.get(i), workers + " workers, reuse " + reuse
                                    + ", array " + i);
                        }
                    }
                }
            }
        }
        try (DataLoader plain = new DataLoader(images(45), 8, true, 11, false, 0)) {
            List<float[]> raw = epochs(plain, 2);
            assertFalse(Arrays.equals(raw.get(0), reference.get(0)), "the transform changed the inputs");
            assertArrayEquals(raw.get(1), reference.get(1), "labels untouched");
        }
    }

    @Test
    void anExampleGetsTheSameAugmentationWhateverTheBatchItLandsIn() {
        float[][] byBatchSize = new float[2][];
        int[] sizes = {5, 16};
        for (int k = 0; k < 2; k++) {
            try (DataLoader loader = new DataLoader(images(30), sizes[k], false, 2, false, 2)) {
                loader.setTransform(SHAPE, augment());
                loader.setEpoch(3);
                float[] all = new float[30 * 64];
                int at = 0;
                for (Batch b : loader) {
                    float[] v = b.inputs().toFloatArray();
                    System.arraycopy(v, 0, all, at, v.length);
                    at += v.length;
                }
                byBatchSize[k] = all;
            }
        }
        assertArrayEquals(byBatchSize[0], byBatchSize[1]);
        try (DataLoader other = new DataLoader(images(30), 5, false, 2, false, 0)) {
            other.setTransform(SHAPE, augment());
            other.setEpoch(4);
            float[] first = other.iterator().next().inputs().toFloatArray();
            assertFalse(Arrays.equals(Arrays.copyOf(byBatchSize[0], first.length), first), "a new epoch draws anew");
        }
    }

    @Test
    void aTransformOfTheWrongShapeOrAnInvalidLoaderIsRefused() {
        try (DataLoader loader = new DataLoader(images(10), 4, false, 0, false, 0)) {
            loader.setTransform(new ImageTransform.Shape(1, 28, 28), ImageTransforms.randomCrop(1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> loader.iterator().next());
            assertTrue(e.getMessage().contains("784 float32 values") && e.getMessage().contains("[4, 64]"),
                    e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DataLoader(images(10), 4, false, 0, false, -1));
        assertTrue(e.getMessage().contains("workers must be at least 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ImageTransform.Shape(0, 28, 28));
    }
}
