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
}
