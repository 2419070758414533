package org.tapegrad.core.data;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A transform of one image, applied in place, as torchvision's transforms: a {@link DataLoader} given one with
 * {@link DataLoader#setTransform} applies it to every example of every batch it assembles, each example with a
 * generator of its own drawn from the loader's seed, the epoch and the example's index, so that the augmented data
 * are the same whatever the number of loading workers and whatever the order batches are assembled in.
 * {@link ImageTransforms} has normalisation, random crop (shift), small rotation and random erasing;
 * {@link #compose} chains them.
 *
 * <pre>{@code
 * ImageTransform augment = ImageTransform.compose(ImageTransforms.randomCrop(2), ImageTransforms.randomRotation(10),
 *         ImageTransforms.normalize(0.1307, 0.3081));
 * loader.setTransform(new ImageTransform.Shape(1, 28, 28), augment);
 * }</pre>
 */
@FunctionalInterface
public interface ImageTransform {
    /**
     * The layout of one image: {@code channels × height × width} values, row-major (PyTorch's CHW).
     *
     * @param channels &gt;= 1
     * @param height   &gt;= 1
     * @param width    &gt;= 1
     */
    record Shape(int channels, int height, int width) {
        public Shape {
            if (channels < 1 || height < 1 || width < 1) {
                throw new IllegalArgumentException("ImageTransform.Shape: channels, height and width must be at "
                        + "least 1, got " + channels + " x " + height + " x " + width);
            }
        }

        /** {@code channels · height · width}, the number of values of one image. */
        public int size() {
            return channels * height * width;
        }
    }

    /**
     * Transforms one image in place.
     *
     * @param pixels the image's values from {@code offset}, laid out as {@code shape} (modified)
     * @param offset where the image starts in {@code pixels}
     * @param shape  its layout
     * @param rng    the example's own generator (a transform that draws nothing ignores it)
     */
    void apply(float[] pixels, int offset, Shape shape, RandomGenerator rng);

    /** This transform, then {@code next}, with the same generator. */
    default ImageTransform andThen(ImageTransform next) {
        Objects.requireNonNull(next, "next");
        return (pixels, offset, shape, rng) -> {
            apply(pixels, offset, shape, rng);
            next.apply(pixels, offset, shape, rng);
        };
    }

    /** The transforms in order, as torchvision's {@code Compose}; no transform is the identity. */
    static ImageTransform compose(ImageTransform... transforms) {
        ImageTransform out = (pixels, offset, shape, rng) -> { };
        for (int i = 0; i < transforms.length; i++) {
            out = out.andThen(Objects.requireNonNull(transforms[i], "compose: transform " + i + " is null"));
        }
        return out;
    }
}
