package org.emergence.workloads.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.training.CheckpointSchedule;
import org.emergence.workloads.training.Evaluation;
import org.emergence.workloads.training.OptimizerKind;
import org.emergence.workloads.training.Trainer;
import org.emergence.workloads.training.TrainingConfig;
import org.emergence.workloads.training.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VisionLocalityTest {

    @TempDir
    Path folder;

    private static VisionLocalityConfig synthetic(int patch, int dim, int layers, int heads, boolean jitter, double cutmix,
                                                  double smoothing) {
        return new VisionLocalityConfig(VisionLocalityConfig.Dataset.SYNTHETIC, "", 256, 64, patch, dim, layers, heads,
                jitter, false, 1.0, cutmix, smoothing);
    }

    @Test
    void idxReaderReadsGzippedAndPlainFilesTheTestWrites() throws IOException {
        byte[] pixels = {0, (byte) 255, 51, 102, (byte) 204, 0, 10, 20};
        write(folder.resolve("train-images-idx3-ubyte.gz"), true, idx(IdxReader.IMAGES_MAGIC, new int[] {2, 2, 2}, pixels));
        write(folder.resolve("train-labels-idx1-ubyte.gz"), true, idx(IdxReader.LABELS_MAGIC, new int[] {2}, new byte[] {7, 3}));
        write(folder.resolve("t10k-images-idx3-ubyte"), false, idx(IdxReader.IMAGES_MAGIC, new int[] {1, 2, 2}, new byte[] {1, 2, 3, 4}));
        write(folder.resolve("t10k-labels-idx1-ubyte"), false, idx(IdxReader.LABELS_MAGIC, new int[] {1}, new byte[] {9}));
        Images train = IdxReader.read(folder, true, 100);
        assertEquals(2, train.count());
        assertEquals(2, train.height());
        assertArrayEquals(new int[] {7, 3}, train.labels());
        assertArrayEquals(new float[] {0, 1, 0.2f, 0.4f, 0.8f, 0, 10 / 255f, 20 / 255f}, train.pixels(), 1e-6f);
        assertEquals(1, IdxReader.read(folder, true, 1).count());
        assertArrayEquals(new int[] {9}, IdxReader.read(folder, false, 100).labels());
        write(folder.resolve("bad"), false, idx(0x0801, new int[] {1, 2, 2}, new byte[4]));
        assertThrows(IOException.class, () -> IdxReader.read(folder.resolve("bad"), folder.resolve("t10k-labels-idx1-ubyte"), 10, 5));
    }

    @Test
    void cifarReaderReadsBothLabelLayouts() throws IOException {
        // CIFAR-10: one label byte per record; CIFAR-100: coarse then fine, and the fine one is the class.
        ByteArrayOutputStream ten = new ByteArrayOutputStream();
        for (int image = 0; image < 3; image++) {
            ten.write(image + 4);
            for (int i = 0; i < CifarReader.PIXELS; i++) {
                ten.write(i == 0 ? 255 : image);
            }
        }
        Files.write(folder.resolve("test_batch.bin"), ten.toByteArray());
        Images cifar10 = CifarReader.read(folder, 10, false, 100);
        assertEquals(3, cifar10.count());
        assertEquals(3, cifar10.channels());
        assertArrayEquals(new int[] {4, 5, 6}, cifar10.labels());
        assertEquals(1f, cifar10.pixels()[0]);
        assertEquals(2 / 255f, cifar10.pixels()[2 * CifarReader.PIXELS + 1], 1e-7f);
        ByteArrayOutputStream hundred = new ByteArrayOutputStream();
        hundred.write(3);
        hundred.write(77);
        hundred.write(new byte[CifarReader.PIXELS]);
        Files.write(folder.resolve("train.bin"), hundred.toByteArray());
        assertArrayEquals(new int[] {77}, CifarReader.read(folder, 100, true, 100).labels());
        assertThrows(IOException.class, () -> CifarReader.read(folder, 10, true, 100));
    }

    @Test
    void cutMixBoxesHaveTheDrawnAreaAndMixTheLabelsByIt() {
        // lambda = 0.75 centred: a box of (0.5 H) x (0.5 W), a quarter of the image.
        assertArrayEquals(new int[] {4, 4, 12, 12}, Augmentation.box(16, 16, 0.75, 0.5, 0.5));
        // At a corner the box is clipped: its centre (0, 0) keeps a quarter of it.
        assertArrayEquals(new int[] {0, 0, 4, 4}, Augmentation.box(16, 16, 0.75, 0, 0));
        int n = 8;
        int side = 16;
        float[] pixels = new float[n * side * side];
        float[] targets = new float[n * 4];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(pixels, i * side * side, (i + 1) * side * side, i);
            targets[i * 4 + i % 4] = 1;
        }
        Augmentation.cutMix(pixels, targets, n, 1, side, side, 4, 1.0, new SplittableRandom(5));
        for (int i = 0; i < n; i++) {
            // Each image is its own value outside the box and one partner's inside: the share of its own pixels is
            // the weight of its own label, the rest the partner's.
            int own = 0;
            int partner = -1;
            for (int p = 0; p < side * side; p++) {
                int value = (int) pixels[i * side * side + p];
                if (value == i) {
                    own++;
                } else {
                    assertTrue(partner == -1 || partner == value);
                    partner = value;
                }
            }
            double kept = own / (double) (side * side);
            float sum = 0;
            for (int k = 0; k < 4; k++) {
                sum += targets[i * 4 + k];
            }
            assertEquals(1f, sum, 1e-6f);
            if (partner >= 0 && partner % 4 != i % 4) {
                assertEquals(kept, targets[i * 4 + i % 4], 1e-6);
                assertEquals(1 - kept, targets[i * 4 + partner % 4], 1e-6);
            }
        }
        float[] smooth = {0, 1, 0, 0};
        Augmentation.smooth(smooth, 4, 0.2);
        assertArrayEquals(new float[] {0.05f, 0.85f, 0.05f, 0.05f}, smooth, 1e-6f);
    }

    @Test
    void betaDrawsHaveTheirMean() {
        SplittableRandom random = new SplittableRandom(1);
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < 20_000; i++) {
            double draw = Augmentation.beta(0.5, random);
            sum += draw;
            squares += draw * draw;
        }
        // Beta(a, a) has mean 1/2 and variance 1 / (4 (2a + 1)): 1/8 at a = 0.5.
        assertEquals(0.5, sum / 20_000, 0.01);
        assertEquals(0.125, squares / 20_000 - 0.25, 0.01);
    }

    @Test
    void patchesAreRowMajorAndZeroWeightsGiveUniformAttentionAndTheHeadBias() {
        VisionLocality model = new VisionLocality(synthetic(8, 4, 1, 2, false, 0, 0));
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] image = new float[256];
            for (int i = 0; i < 256; i++) {
                image[i] = i;
            }
            NDArray patches = model.patches(manager.create(image, new Shape(1, 1, 16, 16)));
            assertEquals(new Shape(1, 4, 64), patches.getShape());
            float[] flat = patches.toFloatArray();
            // Patch 1 is the top-right 8 x 8 block: row 0 columns 8..15 first, then row 1.
            assertEquals(8f, flat[64]);
            assertEquals(16f + 8, flat[64 + 8]);
            // Patch 2 starts at row 8, column 0.
            assertEquals(128f, flat[128]);
            Parameters zero = new Parameters();
            model.initialise(manager, 1).asMap().forEach((name, value) -> zero.put(name,
                    name.endsWith(".g") ? manager.ones(value.getShape()) : name.equals("head.b")
                            ? manager.create(new float[] {1, 2, 3, 4}) : manager.zeros(value.getShape())));
            Trace trace = model.trace(zero, manager.create(image, new Shape(1, 1, 16, 16)), new TraceRequest(Set.of(), true));
            assertArrayEquals(new float[] {1, 2, 3, 4}, trace.outputs().toFloatArray(), 1e-6f);
            assertEquals(new Shape(1, 2, 5, 5), trace.attention().get(0).getShape());
            for (float a : trace.attention().get(0).toFloatArray()) {
                assertEquals(0.2f, a, 1e-6f);
            }
        }
    }

    @Test
    void aShortRunLearnsTheSyntheticShapes() {
        VisionLocality model = new VisionLocality(synthetic(4, 32, 2, 2, false, 0, 0));
        TrainingConfig training = new TrainingConfig(OptimizerKind.ADAMW, 1e-3, 0.05, 0.9, 0.999, 10, 400, 64, 2, 400);
        Evaluation[] last = new Evaluation[1];
        new Trainer(model, training, CheckpointSchedule.every(400, 400)).run(new TrainingListener() {
            @Override
            public void onEvaluation(Evaluation evaluation, Parameters parameters) {
                last[0] = evaluation;
            }
        }, () -> false);
        assertTrue(last[0].testAccuracy() > 0.5, "held-out accuracy " + last[0].testAccuracy() + ", chance 0.25");
    }

    @Test
    void augmentationKeepsPixelsInRangeAndTargetsDistributions() {
        VisionLocality model = new VisionLocality(new VisionLocalityConfig(VisionLocalityConfig.Dataset.SYNTHETIC, "", 32, 8,
                4, 8, 1, 2, true, true, 1.0, 1.0, 0.1));
        try (NDManager manager = NDManager.newBaseManager()) {
            Batch train = model.data(manager, 3).train();
            Batch augmented = model.augment(train, new SplittableRandom(9));
            for (float p : augmented.inputs().toFloatArray()) {
                assertTrue(p >= 0 && p <= 1, "pixel " + p);
            }
            float[] targets = augmented.targets().toFloatArray();
            for (int i = 0; i < 32; i++) {
                float sum = 0;
                for (int k = 0; k < 4; k++) {
                    assertTrue(targets[i * 4 + k] >= 0.1f / 4 - 1e-6f);
                    sum += targets[i * 4 + k];
                }
                assertEquals(1f, sum, 1e-5f);
            }
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> synthetic(5, 8, 1, 2, false, 0, 0)).getMessage()
                .startsWith("patch"));
    }

    private static byte[] idx(int magic, int[] dimensions, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dimensions) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    private static void write(Path file, boolean gzip, byte[] content) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
    }
}
