package org.emergence.workloads.vision;

/**
 * Labelled images in memory: pixels in [0, 1], image-major then channel, row, column.
 *
 * @param pixels   [count * channels * height * width]
 * @param labels   class of each image, in [0, classes)
 */
public record Images(float[] pixels, int[] labels, int classes, int channels, int height, int width) {

    public Images {
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(labels.length + " images of " + channels + "x" + height + "x" + width
                    + " need " + (long) labels.length * channels * height * width + " pixels, got " + pixels.length);
        }
        for (int label : labels) {
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException("label " + label + " outside [0, " + classes + ")");
            }
        }
    }

    public int count() {
        return labels.length;
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** The first {@code n} images (all of them if there are fewer). */
    public Images first(int n) {
        int kept = Math.min(n, count());
        float[] p = new float[kept * imageSize()];
        System.arraycopy(pixels, 0, p, 0, p.length);
        int[] l = new int[kept];
        System.arraycopy(labels, 0, l, 0, kept);
        return new Images(p, l, classes, channels, height, width);
    }
}
