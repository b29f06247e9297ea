package org.emergence.workloads.vision;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CIFAR binary format: records of label bytes then 3072 pixel bytes (1024 red, 1024 green,
 * 1024 blue, each 32 x 32 row-major). CIFAR-10 has one label byte ({@code data_batch_1..5.bin},
 * {@code test_batch.bin}); CIFAR-100 two, coarse then fine, and we read the fine label
 * ({@code train.bin}, {@code test.bin}).
 */
public final class CifarReader {

    static final int SIDE = 32;
    static final int PIXELS = 3 * SIDE * SIDE;

    private CifarReader() {
    }

    /** The train or test split of CIFAR-{@code classes} (10 or 100) in {@code folder}, at most {@code limit} images. */
    public static Images read(Path folder, int classes, boolean train, int limit) throws IOException {
        List<Path> files = new ArrayList<>();
        if (classes == 10) {
            if (train) {
                for (int i = 1; i <= 5; i++) {
                    files.add(folder.resolve("data_batch_" + i + ".bin"));
                }
            } else {
                files.add(folder.resolve("test_batch.bin"));
            }
        } else if (classes == 100) {
            files.add(folder.resolve(train ? "train.bin" : "test.bin"));
        } else {
            throw new IllegalArgumentException("classes: CIFAR has 10 or 100, got " + classes);
        }
        int labelBytes = classes == 10 ? 1 : 2;
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        byte[] record = new byte[labelBytes + PIXELS];
        for (Path file : files) {
            if (!Files.exists(file)) {
                throw new IOException("no " + file.getFileName() + " in " + folder);
            }
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                while (images.size() < limit) {
                    try {
                        in.readFully(record);
                    } catch (EOFException end) {
                        break;
                    }
                    int label = record[labelBytes - 1] & 0xff;
                    if (label >= classes) {
                        throw new IOException(file + ": label " + label + " outside [0, " + classes + ")");
                    }
                    float[] pixels = new float[PIXELS];
                    for (int i = 0; i < PIXELS; i++) {
                        pixels[i] = (record[labelBytes + i] & 0xff) / 255f;
                    }
                    images.add(pixels);
                    labels.add(label);
                }
            }
        }
        float[] all = new float[images.size() * PIXELS];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, all, i * PIXELS, PIXELS);
        }
        return new Images(all, labels.stream().mapToInt(Integer::intValue).toArray(), classes, 3, SIDE, SIDE);
    }
}
