package org.emergence.workloads.imported;

import ai.djl.engine.Engine;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

import org.emergence.workloads.checkpoint.NamedTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SavedModels written by TF-Java itself for the import tests: a one-hidden-layer ReLU MLP whose
 * weights the test chooses, hidden = relu(x W1 + b1), outputs = hidden W2 + b2, all float32.
 * Its signature serving_default takes {@code x} [rows, inputs] and returns {@code outputs} and
 * the hidden state {@code hidden}; its variables are {@code hidden/kernel}, {@code hidden/bias},
 * {@code out/kernel} and {@code out/bias} (graph variables, saved in variables/).
 */
public final class SavedModelFixtures {

    private SavedModelFixtures() {
    }

    /** The MLP's weights: w1 [inputs, width], b1 [width], w2 [width, outputs], b2 [outputs]. */
    public record Mlp(float[][] w1, float[] b1, float[][] w2, float[] b2) {

        /** Weights drawn from a seeded normal, scaled by 1/sqrt(fan-in). */
        public static Mlp random(int inputs, int width, int outputs, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            return new Mlp(matrix(random, inputs, width), vector(random, width), matrix(random, width, outputs),
                    vector(random, outputs));
        }

        private static float[][] matrix(SplittableRandom random, int rows, int cols) {
            float[][] m = new float[rows][cols];
            for (float[] row : m) {
                for (int j = 0; j < cols; j++) {
                    row[j] = (float) (gaussian(random) / Math.sqrt(rows));
                }
            }
            return m;
        }

        private static float[] vector(SplittableRandom random, int size) {
            float[] v = new float[size];
            for (int i = 0; i < size; i++) {
                v[i] = (float) (0.1 * gaussian(random));
            }
            return v;
        }

        private static double gaussian(SplittableRandom random) {
            return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
        }
    }

    /**
     * Data for the MLP: x uniform in [-1, 1) [rows, inputs] float32, labels uniform in 0..classes-1
     * int64, seeded; the test split only where {@code testRows} is positive.
     */
    public static Map<String, NamedTensor> data(int inputs, int classes, int trainRows, int testRows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, NamedTensor> data = new LinkedHashMap<>();
        for (String split : testRows > 0 ? List.of("train", "test") : List.of("train")) {
            int rows = split.equals("train") ? trainRows : testRows;
            ByteBuffer x = ByteBuffer.allocate(rows * inputs * 4).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer y = ByteBuffer.allocate(rows * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows * inputs; i++) {
                x.putFloat((float) (2 * random.nextDouble() - 1));
            }
            for (int i = 0; i < rows; i++) {
                y.putLong(random.nextInt(classes));
            }
            data.put("x_" + split, new NamedTensor("x_" + split, "float32", new long[] {rows, inputs}, x.array()));
            data.put("y_" + split, new NamedTensor("y_" + split, "int64", new long[] {rows}, y.array()));
        }
        return data;
    }

    /** Writes {@code mlp} as a SavedModel directory {@code directory} (which must not exist yet). */
    public static Path write(Path directory, Mlp mlp) throws IOException {
        // DJL's engine first: it points TF-Java's loader at the natives (TENSORFLOW_LIBRARY_PATH).
        Engine.getEngine("TensorFlow");
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class,
                    Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, mlp.w1().length)));
            Ops hiddenScope = tf.withSubScope("hidden");
            Ops outScope = tf.withSubScope("out");
            var w1 = hiddenScope.withName("kernel").variable(tf.constant(mlp.w1()));
            var b1 = hiddenScope.withName("bias").variable(tf.constant(mlp.b1()));
            var w2 = outScope.withName("kernel").variable(tf.constant(mlp.w2()));
            var b2 = outScope.withName("bias").variable(tf.constant(mlp.b2()));
            var hidden = tf.nn.relu(tf.math.add(tf.linalg.matMul(x, w1), b1));
            var outputs = tf.math.add(tf.linalg.matMul(hidden, w2), b2);
            try (Session session = new Session(graph)) {
                session.initialize();
                Signature signature = Signature.builder().input("x", x).output(SavedModelWorkload.OUTPUTS, outputs)
                        .output("hidden", hidden).build();
                SavedModelBundle.exporter(directory.toString()).withFunction(SessionFunction.create(signature, session))
                        .export();
            }
        }
        return directory;
    }
}
