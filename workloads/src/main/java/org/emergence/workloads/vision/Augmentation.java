package org.emergence.workloads.vision;

import java.util.SplittableRandom;

/**
 * The training-time transforms of the locality paper's protocols (docs/science.md section 1.8),
 * each a switch: brightness/contrast jitter (for colour jitter), an AutoAugment-like policy,
 * CutMix and label smoothing. Works in place on a batch's pixels [n, C, H, W] and soft targets [n, classes].
 */
public final class Augmentation {

    /** Brightness and contrast factors are drawn from U(1 - JITTER, 1 + JITTER). */
    static final double JITTER = 0.4;
    /** The policy's translations move by up to this share of the side. */
    static final double SHIFT = 0.125;

    private Augmentation() {
    }

    /** x -> clamp(c (b x - m) + m), b and c drawn per image, m the image's mean after the brightness factor. */
    static void jitter(float[] pixels, int images, int size, SplittableRandom random) {
        for (int i = 0; i < images; i++) {
            double brightness = random.nextDouble(1 - JITTER, 1 + JITTER);
            double contrast = random.nextDouble(1 - JITTER, 1 + JITTER);
            double mean = 0;
            for (int p = i * size; p < (i + 1) * size; p++) {
                mean += brightness * pixels[p];
            }
            mean /= size;
            for (int p = i * size; p < (i + 1) * size; p++) {
                pixels[p] = clamp(contrast * (brightness * pixels[p] - mean) + mean);
            }
        }
    }

    /**
     * One operation per image, drawn uniformly (ours, in the spirit of AutoAugment and RandAugment):
     * identity, horizontal flip, a horizontal or vertical shift by up to an eighth of the side
     * (zero fill), solarize (invert above 0.5) or posterize (4 levels).
     */
    static void policy(float[] pixels, int images, int channels, int height, int width, SplittableRandom random) {
        int size = channels * height * width;
        float[] copy = new float[size];
        for (int i = 0; i < images; i++) {
            int offset = i * size;
            int op = random.nextInt(6);
            int maxShift = Math.max(1, (int) Math.round(SHIFT * Math.min(height, width)));
            int shift = random.nextInt(-maxShift, maxShift + 1);
            System.arraycopy(pixels, offset, copy, 0, size);
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int at = offset + (c * height + y) * width + x;
                        float v = copy[(c * height + y) * width + x];
                        pixels[at] = switch (op) {
                            case 1 -> copy[(c * height + y) * width + (width - 1 - x)];
                            case 2 -> sample(copy, c, y, x - shift, height, width);
                            case 3 -> sample(copy, c, y - shift, x, height, width);
                            case 4 -> v > 0.5f ? 1 - v : v;
                            case 5 -> Math.round(v * 3) / 3f;
                            default -> v;
                        };
                    }
                }
            }
        }
    }

    private static float sample(float[] image, int c, int y, int x, int height, int width) {
        return y < 0 || y >= height || x < 0 || x >= width ? 0f : image[(c * height + y) * width + x];
    }

    /** A CutMix box [top, left, bottom, right) of area about (1 - lambda) H W centred at (cy, cx), clipped to the image. */
    static int[] box(int height, int width, double lambda, double cy, double cx) {
        double ratio = Math.sqrt(1 - lambda);
        int h = (int) Math.round(height * ratio);
        int w = (int) Math.round(width * ratio);
        int centreY = (int) Math.floor(cy * height);
        int centreX = (int) Math.floor(cx * width);
        return new int[] {clip(centreY - h / 2, height), clip(centreX - w / 2, width),
            clip(centreY + h - h / 2, height), clip(centreX + w - w / 2, width)};
    }

    /**
     * CutMix (Yun et al. 2019): lambda ~ Beta(alpha, alpha), each image gets the box of its partner
     * in a random permutation, and its target becomes lambda' y + (1 - lambda') y_partner with
     * lambda' = 1 - (box area) / (H W), the share of its own pixels left.
     */
    static void cutMix(float[] pixels, float[] targets, int images, int channels, int height, int width, int classes,
                       double alpha, SplittableRandom random) {
        int[] partner = permutation(images, random);
        double lambda = beta(alpha, random);
        int[] box = box(height, width, lambda, random.nextDouble(), random.nextDouble());
        double kept = 1 - (box[2] - box[0]) * (double) (box[3] - box[1]) / (height * width);
        int size = channels * height * width;
        float[] source = pixels.clone();
        float[] sourceTargets = targets.clone();
        for (int i = 0; i < images; i++) {
            for (int c = 0; c < channels; c++) {
                for (int y = box[0]; y < box[2]; y++) {
                    for (int x = box[1]; x < box[3]; x++) {
                        int within = (c * height + y) * width + x;
                        pixels[i * size + within] = source[partner[i] * size + within];
                    }
                }
            }
            for (int k = 0; k < classes; k++) {
                targets[i * classes + k] = (float) (kept * sourceTargets[i * classes + k]
                        + (1 - kept) * sourceTargets[partner[i] * classes + k]);
            }
        }
    }

    /** Targets (1 - epsilon) y + epsilon / classes. */
    static void smooth(float[] targets, int classes, double epsilon) {
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (float) ((1 - epsilon) * targets[i] + epsilon / classes);
        }
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    /** Beta(alpha, alpha) as G1 / (G1 + G2) of two Gamma(alpha) draws. */
    static double beta(double alpha, SplittableRandom random) {
        double a = gamma(alpha, random);
        double b = gamma(alpha, random);
        return a / (a + b);
    }

    /** Marsaglia and Tsang's method; shapes below 1 through Gamma(alpha + 1) U^(1/alpha). */
    static double gamma(double shape, SplittableRandom random) {
        if (shape < 1) {
            return gamma(shape + 1, random) * Math.pow(random.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    private static int clip(int value, int bound) {
        return Math.max(0, Math.min(bound, value));
    }

    private static float clamp(double value) {
        return (float) Math.max(0, Math.min(1, value));
    }
}
