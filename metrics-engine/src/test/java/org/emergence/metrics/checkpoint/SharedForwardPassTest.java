package org.emergence.metrics.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.emergence.workloads.CyclicTask;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.ModularAdditionTransformer;
import org.emergence.workloads.modular.Variant;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * All forward probes of a transformer checkpoint on one shared forward pass give the numbers each
 * probe gives when measured alone, and the pass runs once, over every input once; the transformer's
 * all-pairs trace gives the row-by-row trace's numbers, and tracing rows in blocks changes no number.
 */
class SharedForwardPassTest {

    /** p^2 = 1,369 inputs: more than the phase probe's 1,024-state sample, so the sample is drawn. */
    private static final int P = 37;
    private static final Set<ProbeKind> FORWARD_PROBES = CheckpointProbes.FORWARD_ONLY;

    private final ModularAdditionTransformer workload =
            new ModularAdditionTransformer(new ModularAdditionConfig(P, 0.4, Variant.TRANSFORMER, 32, 4, 64));

    @Test
    void everyProbeReadsTheOnePassAndGetsItsOwnNumbers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = workload.initialise(manager, 3);
            DataSplit data = workload.data(manager, 3);
            CheckpointMeasurement together = measure(parameters, data, FORWARD_PROBES, ChunkedTrace.BLOCK_ROWS);
            assertEquals(1, together.work().forwardPasses());
            assertEquals((long) P * P, together.work().tracedRows(), "every input traced once");
            assertTrue(together.work().stageMs().keySet().containsAll(List.of("forward pass", "loss_accuracy",
                    "weight_norm", "fourier", "attention", "intrinsic_dimension", "phase")),
                    together.work().stageMs().toString());
            for (ProbeKind probe : FORWARD_PROBES) {
                CheckpointMeasurement alone = measure(parameters, data, EnumSet.of(probe), ChunkedTrace.BLOCK_ROWS);
                assertTrue(alone.work().forwardPasses() <= 1, probe + ": " + alone.work());
                assertTrue(!alone.scalars().isEmpty(), probe.toString());
                alone.scalars().forEach((id, value) -> assertEquals(value, together.scalars().get(id), probe + " " + id));
                assertSameStructures(alone, together, probe);
            }
        }
    }

    /** The transformer's all-pairs trace gives the row-by-row trace's numbers up to float round-off. */
    @Test
    void theAllPairsTraceGivesTheRowByRowNumbers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = workload.initialise(manager, 5);
            parameters.asMap().values().forEach(weights -> weights.muli(2));
            DataSplit data = workload.data(manager, 5);
            CheckpointMeasurement allPairs = measure(workload, parameters, data, FORWARD_PROBES, ChunkedTrace.BLOCK_ROWS);
            CheckpointMeasurement rows = measure(new RowByRow(workload), parameters, data, FORWARD_PROBES,
                    ChunkedTrace.BLOCK_ROWS);
            assertEquals(rows.scalars().keySet(), allPairs.scalars().keySet());
            rows.scalars().forEach((id, value) -> assertEquals(value, allPairs.scalars().get(id),
                    1e-5 * (1 + Math.abs(value)), id));
            for (int head = 0; head < rows.attention().size(); head++) {
                double[][] expected = rows.attention().get(head).pattern().weights();
                double[][] actual = allPairs.attention().get(head).pattern().weights();
                for (int query = 0; query < expected.length; query++) {
                    assertArrayEquals(expected[query], actual[query], 1e-6, "head " + head);
                }
            }
        }
    }

    @Test
    void aPassTracedInBlocksOfRowsGivesTheSameNumbers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = workload.initialise(manager, 4);
            DataSplit data = workload.data(manager, 4);
            Workload rowByRow = new RowByRow(workload);
            CheckpointMeasurement whole = measure(rowByRow, parameters, data, FORWARD_PROBES, Integer.MAX_VALUE);
            // 300 rows: four full blocks and a short one.
            CheckpointMeasurement blocks = measure(rowByRow, parameters, data, FORWARD_PROBES, 300);
            assertEquals(whole.scalars(), blocks.scalars());
            assertSameStructures(whole, blocks, ProbeKind.ATTENTION);
            assertEquals((long) P * P, blocks.work().tracedRows());
        }
    }

    private CheckpointMeasurement measure(Parameters parameters, DataSplit data, Set<ProbeKind> probes, int blockRows) {
        return measure(workload, parameters, data, probes, blockRows);
    }

    private static CheckpointMeasurement measure(Workload workload, Parameters parameters, DataSplit data,
                                                 Set<ProbeKind> probes, int blockRows) {
        return CheckpointProbes.measure(workload, parameters, data, probes, List.of(),
                CheckpointProbes.GradientLane.IN_PLACE, blockRows);
    }

    /** The transformer without its all-pairs trace: the probes trace its inputs row by row, in blocks. */
    private record RowByRow(ModularAdditionTransformer model) implements Workload {
        public String name() {
            return model.name();
        }

        public Parameters initialise(NDManager manager, long seed) {
            return model.initialise(manager, seed);
        }

        public NDArray forward(Parameters parameters, NDArray inputs) {
            return model.forward(parameters, inputs);
        }

        public NDArray loss(NDArray outputs, NDArray targets) {
            return model.loss(outputs, targets);
        }

        public double accuracy(NDArray outputs, NDArray targets) {
            return model.accuracy(outputs, targets);
        }

        public DataSplit data(NDManager manager, long seed) {
            return model.data(manager, seed);
        }

        public boolean classification() {
            return model.classification();
        }

        public List<String> hiddenLayers() {
            return model.hiddenLayers();
        }

        public int attentionLayers() {
            return model.attentionLayers();
        }

        public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
            return model.trace(parameters, inputs, request);
        }

        public Optional<NDArray> tokenEmbedding(Parameters parameters) {
            return model.tokenEmbedding(parameters);
        }

        public Optional<NDArray> unembedding(Parameters parameters) {
            return model.unembedding(parameters);
        }

        public Optional<CyclicTask> cyclicTask() {
            return model.cyclicTask();
        }
    }

    private static void assertSameStructures(CheckpointMeasurement expected, CheckpointMeasurement actual, ProbeKind probe) {
        expected.fourier().ifPresent(f -> {
            assertArrayEquals(f.spectrum(), actual.fourier().orElseThrow().spectrum(), probe.toString());
            assertArrayEquals(f.keyFrequencies(), actual.fourier().orElseThrow().keyFrequencies(), probe.toString());
        });
        if (!expected.attention().isEmpty()) {
            assertEquals(expected.attention(), actual.attention(), probe.toString());
        }
        expected.phase().ifPresent(phase -> {
            assertEquals(phase.sigma2(), actual.phase().orElseThrow().sigma2(), probe.toString());
            assertEquals(phase.iterations(), actual.phase().orElseThrow().iterations(), probe.toString());
        });
        expected.intrinsicDimension().ifPresent(id -> assertEquals(id, actual.intrinsicDimension().orElseThrow(),
                probe.toString()));
    }
}
