package org.emergence.workloads.modular;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModularAdditionTest {

    private static final int P = 11;
    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void dataCoversEveryPairOnceWithCorrectSums() {
        ModularAddition workload = ModularAddition.of(ModularAdditionConfig.of(P, 0.3, Variant.MLP));
        DataSplit split = workload.data(manager, 7);
        assertEquals(Math.round(0.3 * P * P), split.train().size());
        assertEquals(P * P, split.train().size() + split.test().size());
        Set<Long> pairs = new HashSet<>();
        for (Batch batch : List.of(split.train(), split.test())) {
            long[] inputs = batch.inputs().toLongArray();
            long[] targets = batch.targets().toLongArray();
            for (int row = 0; row < targets.length; row++) {
                long a = inputs[2 * row];
                long b = inputs[2 * row + 1];
                assertEquals((a + b) % P, targets[row]);
                pairs.add(a * P + b);
            }
        }
        assertEquals(P * P, pairs.size());
    }

    @Test
    void splitIsDeterministicInTheSeedAndDiffersAcrossSeeds() {
        ModularAddition workload = ModularAddition.of(ModularAdditionConfig.of(P, 0.5, Variant.MLP));
        long[] first = workload.data(manager, 3).train().inputs().toLongArray();
        assertArrayEquals(first, workload.data(manager, 3).train().inputs().toLongArray());
        assertFalse(Arrays.equals(first, workload.data(manager, 4).train().inputs().toLongArray()));
    }

    @Test
    void mlpHasNamedParametersAndPLogits() {
        ModularAdditionConfig config = new ModularAdditionConfig(P, 0.5, Variant.MLP, 16, 4, 32);
        ModularAddition workload = ModularAddition.of(config);
        Parameters parameters = workload.initialise(manager, 1);
        assertEquals(List.of("embed.W", "hidden.W", "hidden.b", "out.W", "out.b"), List.copyOf(parameters.asMap().keySet()));
        assertEquals(new Shape(P, 16), parameters.get("embed.W").getShape());
        assertEquals(new Shape(32, 32), parameters.get("hidden.W").getShape());
        assertEquals(new Shape(32, P), parameters.get("out.W").getShape());
        Batch train = workload.data(manager, 1).train();
        assertEquals(new Shape(train.size(), P), workload.forward(parameters, train.inputs()).getShape());
    }

    /**
     * forward computes the hidden layer on per-token tables (E W_a, E W_b): it must equal the
     * textbook relu([E[a], E[b]] W + c) V + e, here in plain double loops over every example.
     */
    @Test
    void mlpMatchesAPlainPerExampleComputation() {
        ModularAdditionConfig config = new ModularAdditionConfig(P, 0.5, Variant.MLP, 16, 4, 32);
        ModularAddition workload = ModularAddition.of(config);
        Parameters parameters = workload.initialise(manager, 5);
        Batch train = workload.data(manager, 5).train();
        float[] logits = workload.forward(parameters, train.inputs()).toFloatArray();
        long[] tokens = train.inputs().toLongArray();
        float[] embedding = parameters.get("embed.W").toFloatArray();
        float[] hiddenW = parameters.get("hidden.W").toFloatArray();
        float[] hiddenB = parameters.get("hidden.b").toFloatArray();
        float[] outW = parameters.get("out.W").toFloatArray();
        float[] outB = parameters.get("out.b").toFloatArray();
        int d = 16;
        int hidden = 32;
        for (int example = 0; example < train.size(); example++) {
            double[] concatenated = new double[2 * d];
            for (int operand = 0; operand < 2; operand++) {
                for (int i = 0; i < d; i++) {
                    concatenated[operand * d + i] = embedding[(int) tokens[2 * example + operand] * d + i];
                }
            }
            double[] neurons = new double[hidden];
            for (int j = 0; j < hidden; j++) {
                double sum = hiddenB[j];
                for (int i = 0; i < 2 * d; i++) {
                    sum += concatenated[i] * hiddenW[i * hidden + j];
                }
                neurons[j] = Math.max(0, sum);
            }
            for (int k = 0; k < P; k++) {
                double expected = outB[k];
                for (int j = 0; j < hidden; j++) {
                    expected += neurons[j] * outW[j * P + k];
                }
                assertEquals(expected, logits[example * P + k], 1e-4 * (1 + Math.abs(expected)));
            }
        }
    }

    @Test
    void transformerHasNamedParametersAndPLogitsAtTheLastPosition() {
        ModularAdditionTransformer workload = transformer();
        Parameters parameters = workload.initialise(manager, 1);
        assertEquals(List.of("embed.W", "pos.W", "attn.W_Q", "attn.W_K", "attn.W_V", "attn.W_O",
                "mlp.W_in", "mlp.b_in", "mlp.W_out", "mlp.b_out", "unembed.W"), List.copyOf(parameters.asMap().keySet()));
        assertEquals(new Shape(P + 1, 16), parameters.get("embed.W").getShape());
        assertEquals(new Shape(4, 16, 4), parameters.get("attn.W_Q").getShape());
        assertEquals(new Shape(4, 4, 16), parameters.get("attn.W_O").getShape());
        assertEquals(new Shape(16, P), parameters.get("unembed.W").getShape());
        Batch test = workload.data(manager, 1).test();
        assertEquals(3, test.inputs().getShape().get(1));
        assertTrue(test.inputs().get(":, 2").eq(P).all().getBoolean(), "the third token is '='");
        assertEquals(new Shape(test.size(), P), workload.forward(parameters, test.inputs()).getShape());
    }

    @Test
    void attentionRowsAreCausalProbabilities() {
        ModularAdditionTransformer workload = transformer();
        Parameters parameters = workload.initialise(manager, 2);
        Batch train = workload.data(manager, 2).train();
        NDArray pattern = workload.attentionPattern(parameters, train.inputs());
        assertEquals(new Shape(train.size(), 4, 3, 3), pattern.getShape());
        float[] rowSums = pattern.sum(new int[] {-1}).toFloatArray();
        for (float sum : rowSums) {
            assertEquals(1.0, sum, 1e-5);
        }
        assertEquals(0.0, pattern.get(":, :, 0, 1:").abs().max().getFloat(), "the first token sees only itself");
        assertEquals(0.0, pattern.get(":, :, 1, 2").abs().max().getFloat(), "the second token cannot see '='");
    }

    /**
     * forward and attentionPattern compute attention on per-(position, token) tables and only the
     * last query in forward: both must equal the textbook computation, here in plain double loops
     * over every example, on arbitrary token sequences (not only "a b =") and weights scaled up so
     * that the attention is far from uniform.
     */
    @Test
    void transformerMatchesAPlainPerExampleComputation() {
        ModularAdditionTransformer workload = transformer();
        Parameters parameters = workload.initialise(manager, 3);
        parameters.asMap().values().forEach(weights -> weights.muli(3));
        SplittableRandom random = new SplittableRandom(4);
        int batch = 50;
        long[] tokens = random.longs(batch * 3L, 0, P + 1).toArray();
        NDArray inputs = manager.create(tokens, new Shape(batch, 3));
        float[] logits = workload.forward(parameters, inputs).toFloatArray();
        float[] pattern = workload.attentionPattern(parameters, inputs).toFloatArray();
        PlainTransformer plain = new PlainTransformer(parameters, 4);
        for (int example = 0; example < batch; example++) {
            double[][][] expectedPattern = new double[4][3][3];
            double[] expectedLogits = plain.logits(Arrays.copyOfRange(tokens, 3 * example, 3 * example + 3), expectedPattern);
            for (int k = 0; k < P; k++) {
                assertEquals(expectedLogits[k], logits[example * P + k], 1e-4 * (1 + Math.abs(expectedLogits[k])));
            }
            assertPattern(expectedPattern, pattern, example);
        }
    }

    /**
     * traceAllPairs computes every pair on the attention's tables: its logits and pattern must be the
     * textbook computation's, and its hidden states trace's on the same pairs, row a p + b, with
     * weights scaled up so that the attention is far from uniform. Kept at a few pairs only, the
     * hidden states are trace's at those pairs, and the logits (then formed without the residual
     * stream) the same.
     */
    @Test
    void allPairsTraceMatchesThePlainComputationAndTrace() {
        ModularAdditionTransformer workload = transformer();
        Parameters parameters = workload.initialise(manager, 5);
        parameters.asMap().values().forEach(weights -> weights.muli(3));
        TraceRequest request = new TraceRequest(Set.of(ModularAdditionTransformer.MLP_NEURONS,
                ModularAdditionTransformer.RESIDUAL), true);
        long[] pairs = new long[P * P * 3];
        for (int row = 0; row < P * P; row++) {
            System.arraycopy(new long[] {row / P, row % P, P}, 0, pairs, 3 * row, 3);
        }
        Trace rows = workload.trace(parameters, manager.create(pairs, new Shape(P * P, 3)), request);
        PlainTransformer plain = new PlainTransformer(parameters, 4);
        int[] somePairs = {P * P - 1, 0, 17, 5 * P + 3, 17};
        for (Optional<int[]> kept : List.of(Optional.<int[]>empty(), Optional.of(somePairs))) {
            Trace all = workload.traceAllPairs(parameters, request, kept).orElseThrow();
            float[] logits = all.outputs().toFloatArray();
            float[] pattern = all.attention().get(0).toFloatArray();
            assertEquals(new Shape(P * P, 4, 3, 3), all.attention().get(0).getShape());
            for (int row = 0; row < P * P; row++) {
                double[][][] expectedPattern = new double[4][3][3];
                double[] expectedLogits = plain.logits(Arrays.copyOfRange(pairs, 3 * row, 3 * row + 3), expectedPattern);
                for (int k = 0; k < P; k++) {
                    assertEquals(expectedLogits[k], logits[row * P + k], 1e-4 * (1 + Math.abs(expectedLogits[k])));
                }
                assertPattern(expectedPattern, pattern, row);
            }
            int[] at = kept.orElseGet(() -> IntStream.range(0, P * P).toArray());
            for (String layer : request.hiddenLayers()) {
                float[] expected = rows.hidden().get(layer).toFloatArray();
                float[] actual = all.hidden().get(layer).toFloatArray();
                int width = expected.length / (P * P);
                assertEquals(at.length * width, actual.length, layer);
                for (int i = 0; i < at.length; i++) {
                    for (int j = 0; j < width; j++) {
                        float e = expected[at[i] * width + j];
                        assertEquals(e, actual[i * width + j], 1e-4 * (1 + Math.abs(e)), layer);
                    }
                }
            }
        }
    }

    @Test
    void lossOfUniformLogitsIsLogPAndAccuracyCountsArgmaxHits() {
        ModularAddition workload = ModularAddition.of(ModularAdditionConfig.of(P, 0.5, Variant.MLP));
        NDArray targets = manager.create(new long[] {0, 3, 5, 7});
        NDArray uniform = manager.zeros(new Shape(4, P));
        assertEquals(Math.log(P), workload.loss(uniform, targets).getFloat(), 1e-5);
        NDArray logits = manager.zeros(new Shape(4, P));
        logits.set(new NDIndex("0, 0"), 5f);
        logits.set(new NDIndex("1, 3"), 5f);
        logits.set(new NDIndex("2, 1"), 5f);
        logits.set(new NDIndex("3, 1"), 5f);
        assertEquals(0.5, workload.accuracy(logits, targets));
    }

    @Test
    void invalidConfigsNameTheField() {
        assertMessageNames("p", () -> ModularAdditionConfig.of(1, 0.5, Variant.MLP));
        assertMessageNames("trainFraction", () -> ModularAdditionConfig.of(11, 1.0, Variant.MLP));
        assertMessageNames("heads", () -> new ModularAdditionConfig(11, 0.5, Variant.TRANSFORMER, 10, 4, 8));
        assertMessageNames("dMlp", () -> new ModularAdditionConfig(11, 0.5, Variant.TRANSFORMER, 16, 4, 0));
        assertMessageNames("variant", () -> new ModularAdditionConfig(11, 0.5, null, 16, 4, 8));
    }

    /** @param pattern [inputs, 4 heads, 3 queries, 3 keys], flat */
    private static void assertPattern(double[][][] expected, float[] pattern, int input) {
        for (int head = 0; head < 4; head++) {
            for (int query = 0; query < 3; query++) {
                for (int key = 0; key < 3; key++) {
                    assertEquals(expected[head][query][key], pattern[((input * 4 + head) * 3 + query) * 3 + key], 1e-5);
                }
            }
        }
    }

    private static ModularAdditionTransformer transformer() {
        return new ModularAdditionTransformer(new ModularAdditionConfig(P, 0.5, Variant.TRANSFORMER, 16, 4, 32));
    }

    private static void assertMessageNames(String field, Executable invalid) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, invalid);
        assertTrue(error.getMessage().startsWith(field), error.getMessage());
    }
}
