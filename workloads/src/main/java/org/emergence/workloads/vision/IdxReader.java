package org.emergence.workloads.vision;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and Fashion-MNIST: a big-endian magic number (0x0803 for unsigned-byte
 * images of rank 3, 0x0801 for labels of rank 1), the dimension sizes as 32-bit integers, then
 * the bytes. Files may be gzipped (as Debian's {@code dataset-fashion-mnist} installs them).
 */
public final class IdxReader {

    /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    static final int IMAGES_MAGIC = 0x0803;
    static final int LABELS_MAGIC = 0x0801;
    /** Fashion-MNIST's ten classes. */
    public static final int CLASSES = 10;

    private IdxReader() {
    }

    /** The train ({@code train-*}) or test ({@code t10k-*}) split in {@code folder}, gzipped or not, at most {@code limit} images. */
    public static Images read(Path folder, boolean train, int limit) throws IOException {
        String prefix = train ? "train" : "t10k";
        return read(file(folder, prefix + "-images-idx3-ubyte"), file(folder, prefix + "-labels-idx1-ubyte"), CLASSES, limit);
    }

    private static Path file(Path folder, String name) throws IOException {
        Path plain = folder.resolve(name);
        Path gzipped = folder.resolve(name + ".gz");
        if (Files.exists(gzipped)) {
            return gzipped;
        }
        if (Files.exists(plain)) {
            return plain;
        }
        throw new IOException("no " + name + "[.gz] in " + folder);
    }

    /** Images scaled to [0, 1], one channel. */
    public static Images read(Path images, Path labels, int classes, int limit) throws IOException {
        try (DataInputStream in = open(images); DataInputStream labelIn = open(labels)) {
            magic(in, IMAGES_MAGIC, images);
            int count = in.readInt();
            int height = in.readInt();
            int width = in.readInt();
            magic(labelIn, LABELS_MAGIC, labels);
            if (labelIn.readInt() != count) {
                throw new IOException(labels + " does not label the " + count + " images of " + images);
            }
            int kept = Math.min(count, limit);
            byte[] raw = new byte[kept * height * width];
            in.readFully(raw);
            float[] pixels = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                pixels[i] = (raw[i] & 0xff) / 255f;
            }
            byte[] rawLabels = new byte[kept];
            labelIn.readFully(rawLabels);
            int[] values = new int[kept];
            for (int i = 0; i < kept; i++) {
                values[i] = rawLabels[i] & 0xff;
            }
            return new Images(pixels, values, classes, 1, height, width);
        }
    }

    private static void magic(DataInputStream in, int expected, Path file) throws IOException {
        int magic = in.readInt();
        if (magic != expected) {
            throw new IOException(file + ": IDX magic " + Integer.toHexString(magic) + ", expected " + Integer.toHexString(expected));
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw);
    }
}
