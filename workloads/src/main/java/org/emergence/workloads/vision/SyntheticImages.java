package org.emergence.workloads.vision;

import java.util.SplittableRandom;

/**
 * A quick image task for tests (ours): grey noise with one bright shape at a random place, the
 * class being the shape: a horizontal bar, a vertical bar, a square or a diagonal, each spanning
 * a few pixels, so the evidence for the class is local.
 */
public final class SyntheticImages {

    public static final int CLASSES = 4;
    static final double NOISE = 0.15;

    private SyntheticImages() {
    }

    /** {@code count} single-channel images of {@code side} x {@code side}, at least 8, labels cycling through the classes. */
    public static Images generate(int count, int side, long seed) {
        if (side < 8) {
            throw new IllegalArgumentException("side: at least 8 pixels, got " + side);
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] pixels = new float[count * side * side];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int label = i % CLASSES;
            labels[i] = label;
            int offset = i * side * side;
            for (int p = 0; p < side * side; p++) {
                pixels[offset + p] = (float) (NOISE * random.nextDouble());
            }
            int top = random.nextInt(side - 4);
            int left = random.nextInt(side - 4);
            for (int a = 0; a < 4; a++) {
                for (int b = 0; b < 4; b++) {
                    boolean on = switch (label) {
                        case 0 -> a == 1;
                        case 1 -> b == 1;
                        case 2 -> a >= 1 && a <= 2 && b >= 1 && b <= 2;
                        default -> a == b;
                    };
                    if (on) {
                        pixels[offset + (top + a) * side + left + b] = 1f;
                    }
                }
            }
        }
        return new Images(pixels, labels, CLASSES, 1, side, side);
    }
}
