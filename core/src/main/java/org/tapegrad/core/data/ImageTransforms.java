package org.tapegrad.core.data;

import java.util.Arrays;

/**
 * The usual {@link ImageTransform}s for MNIST-style data, with torchvision's semantics. Geometric transforms fill
 * what moves into the image with 0 (the background of MNIST scaled to [0, 1]), so apply them before
 * {@link #normalize}.
 */
public final class ImageTransforms {
    private ImageTransforms() {
    }

    /**
     * {@code x = (x − mean_c) / std_c} in each channel c, as torchvision's {@code Normalize}; deterministic.
     *
     * @param mean one value per channel, or one for all channels
     * @param std  as {@code mean}, each &gt; 0
     */
    public static ImageTransform normalize(double[] mean, double[] std) {
        double[] m = mean.clone();
        double[] s = std.clone();
        if (m.length == 0 || m.length != s.length) {
            throw new IllegalArgumentException("normalize: mean and std need the same number of values (one per "
                    + "channel, or one), got " + m.length + " and " + s.length);
        }
        for (int c = 0; c < s.length; c++) {
            if (!(s[c] > 0) || !Double.isFinite(s[c]) || !Double.isFinite(m[c])) {
                throw new IllegalArgumentException("normalize: std must be positive and finite and mean finite, got "
                        + "mean " + Arrays.toString(m) + ", std " + Arrays.toString(s));
            }
        }
        return (pixels, offset, shape, rng) -> {
            if (m.length != 1 && m.length != shape.channels()) {
                throw new IllegalArgumentException("normalize: " + m.length + " means for images of "
                        + shape.channels() + " channels (expected one per channel, or one)");
            }
            int plane = shape.height() * shape.width();
            for (int c = 0; c < shape.channels(); c++) {
                float mc = (float) m[m.length == 1 ? 0 : c];
                float inv = (float) (1 / s[s.length == 1 ? 0 : c]);
                int from = offset + c * plane;
                for (int i = from; i < from + plane; i++) {
                    pixels[i] = (pixels[i] - mc) * inv;
                }
            }
        };
    }

    /** {@link #normalize(double[], double[])} with one mean and one standard deviation for every channel. */
    public static ImageTransform normalize(double mean, double std) {
        return normalize(new double[] {mean}, new double[] {std});
    }

    /**
     * A random shift by up to {@code padding} pixels in each direction, as torchvision's
     * {@code RandomCrop(size, padding)}: the image is padded with {@code padding} zeros on every side and a window
     * of its own size is cut at a uniformly drawn position, so {@code out(y, x) = in(y + dy, x + dx)} with
     * {@code dy, dx} uniform in {@code [−padding, padding]} (0 outside the image).
     *
     * @param padding &gt;= 0 pixels
     */
    public static ImageTransform randomCrop(int padding) {
        if (padding < 0) {
            throw new IllegalArgumentException("randomCrop: padding must be at least 0 pixels, got " + padding);
        }
        return (pixels, offset, shape, rng) -> {
            int dy = rng.nextInt(2 * padding + 1) - padding;
            int dx = rng.nextInt(2 * padding + 1) - padding;
            if (dy == 0 && dx == 0) {
                return;
            }
            int h = shape.height();
            int w = shape.width();
            float[] src = Arrays.copyOfRange(pixels, offset, offset + shape.size());
            for (int c = 0; c < shape.channels(); c++) {
                int base = c * h * w;
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++) {
                        int sx = x + dx;
                        pixels[offset + base + y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w
                                ? src[base + sy * w + sx] : 0;
                    }
                }
            }
        };
    }

    /**
     * A rotation by an angle drawn uniformly from {@code [−maxDegrees, maxDegrees]} about the image's centre, as
     * torchvision's {@code RandomRotation(maxDegrees)} with bilinear interpolation: {@code out(p)} is {@code in}
     * sampled bilinearly at {@code R(−θ)·(p − c) + c}, with {@code p = (x, y)}, {@code c = ((w − 1)/2, (h − 1)/2)}
     * and 0 outside the image; with y pointing down, θ &gt; 0 turns the content clockwise on screen.
     *
     * @param maxDegrees in [0, 180]
     */
    public static ImageTransform randomRotation(double maxDegrees) {
        if (!(maxDegrees >= 0 && maxDegrees <= 180)) {
            throw new IllegalArgumentException("randomRotation: maxDegrees must be in [0, 180], got " + maxDegrees);
        }
        return (pixels, offset, shape, rng) -> {
            double theta = Math.toRadians((2 * rng.nextDouble() - 1) * maxDegrees);
            rotate(pixels, offset, shape, theta);
        };
    }

    /** Rotates the image by {@code theta} radians as {@link #randomRotation} describes, bilinearly. */
    static void rotate(float[] pixels, int offset, ImageTransform.Shape shape, double theta) {
        int h = shape.height();
        int w = shape.width();
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        float[] src = Arrays.copyOfRange(pixels, offset, offset + shape.size());
        for (int c = 0; c < shape.channels(); c++) {
            int base = c * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    // the source of output pixel (x, y): rotate back by theta
                    double u = cos * (x - cx) + sin * (y - cy) + cx;
                    double v = -sin * (x - cx) + cos * (y - cy) + cy;
                    pixels[offset + base + y * w + x] = (float) bilinear(src, base, h, w, v, u);
                }
            }
        }
    }

    private static double bilinear(float[] src, int base, int h, int w, double y, double x) {
        int y0 = (int) Math.floor(y);
        int x0 = (int) Math.floor(x);
        double fy = y - y0;
        double fx = x - x0;
        return (1 - fy) * ((1 - fx) * at(src, base, h, w, y0, x0) + fx * at(src, base, h, w, y0, x0 + 1))
                + fy * ((1 - fx) * at(src, base, h, w, y0 + 1, x0) + fx * at(src, base, h, w, y0 + 1, x0 + 1));
    }

    private static double at(float[] src, int base, int h, int w, int y, int x) {
        return y >= 0 && y < h && x >= 0 && x < w ? src[base + y * w + x] : 0;
    }

    /**
     * Random erasing (Zhong et al. 2017), as torchvision's {@code RandomErasing}: with probability {@code p}, a
     * rectangle of area {@code s · h · w} with {@code s} uniform in {@code [minArea, maxArea]} and aspect ratio
     * {@code r} log-uniform in {@code [minRatio, maxRatio]} (height {@code round(√(s·h·w·r))}, width
     * {@code round(√(s·h·w/r))}), at a uniform position, is set to {@code value} in every channel; up to 10 draws
     * are made for a rectangle that fits, and the image is left unchanged if none does.
     *
     * @param p        probability in [0, 1]
     * @param minArea  smallest fraction of the image, in (0, maxArea]
     * @param maxArea  largest fraction, at most 1
     * @param minRatio smallest aspect ratio (height / width), in (0, maxRatio]
     * @param maxRatio largest aspect ratio
     * @param value    the value written
     */
    public static ImageTransform randomErasing(double p, double minArea, double maxArea, double minRatio,
            double maxRatio, float value) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("randomErasing: p must be a probability in [0, 1], got " + p);
        }
        if (!(minArea > 0 && minArea <= maxArea && maxArea <= 1)) {
            throw new IllegalArgumentException("randomErasing: the area fractions must satisfy 0 < minArea <= maxArea "
                    + "<= 1, got " + minArea + " and " + maxArea);
        }
        if (!(minRatio > 0 && minRatio <= maxRatio && Double.isFinite(maxRatio))) {
            throw new IllegalArgumentException("randomErasing: the aspect ratios must satisfy 0 < minRatio <= "
                    + "maxRatio < infinity, got " + minRatio + " and " + maxRatio);
        }
        double logLo = Math.log(minRatio);
        double logHi = Math.log(maxRatio);
        return (pixels, offset, shape, rng) -> {
            if (rng.nextDouble() >= p) {
                return;
            }
            int h = shape.height();
            int w = shape.width();
            for (int attempt = 0; attempt < 10; attempt++) {
                double area = h * w * (minArea + (maxArea - minArea) * rng.nextDouble());
                double ratio = Math.exp(logLo + (logHi - logLo) * rng.nextDouble());
                int eh = (int) Math.round(Math.sqrt(area * ratio));
                int ew = (int) Math.round(Math.sqrt(area / ratio));
                if (eh < 1 || ew < 1 || eh >= h || ew >= w) {
                    continue;
                }
                int top = rng.nextInt(h - eh + 1);
                int left = rng.nextInt(w - ew + 1);
                for (int c = 0; c < shape.channels(); c++) {
                    for (int y = top; y < top + eh; y++) {
                        int row = offset + c * h * w + y * w;
                        Arrays.fill(pixels, row + left, row + left + ew, value);
                    }
                }
                return;
            }
        };
    }

    /** torchvision's defaults: {@code randomErasing(0.5, 0.02, 0.33, 0.3, 3.3, 0)}. */
    public static ImageTransform randomErasing() {
        return randomErasing(0.5, 0.02, 0.33, 0.3, 3.3, 0);
    }
}
