package org.emergence.metrics.llc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.linear.DeepLinearConfig;
import org.emergence.workloads.linear.DeepLinearWorkload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour of the sampler apart from accuracy: failures, refinement, progress, reproducibility. */
class SgldSamplerTest {

    private final DeepLinearWorkload workload =
            new DeepLinearWorkload(DeepLinearConfig.deepLinear(new int[] {3, 4, 5}, 1, 200, DataType.FLOAT64));
    private NDManager manager;
    private Parameters truth;
    private Batch data;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        truth = workload.trueParameters(manager);
        data = workload.data(manager, 1).train();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static SgldSettings.Builder quick() {
        return SgldSettings.builder().epsilon(1e-3).gamma(1).nBeta(300.0).chains(2).draws(50).burnIn(20).minibatchSize(50).seed(3);
    }

    @Test
    void tooLargeStepEndsWithAnErrorNamingTheSettings() {
        SgldSettings settings = quick().epsilon(1.0).build();
        SgldDivergenceException error = assertThrows(SgldDivergenceException.class,
                () -> LlcEstimator.estimate(workload, truth, data, settings));
        assertTrue(error.getMessage().matches("loss (became NaN|became infinite|exploded).* at chain 0 .*: "
                + "lower epsilon \\(now 1\\.0\\) or raise gamma \\(now 1\\.0\\)"), error.getMessage());
        assertEquals(0, error.chain());
    }

    @Test
    void weightRefinedSamplingHoldsTheOtherLayersExactlyAtTheCheckpoint() {
        double[] heldAtStart = truth.get("layer1").toDoubleArray();
        ParameterWatch watch = new ParameterWatch(workload, "layer1", truth.get("layer1"));
        LlcResult result = LlcEstimator.estimate(watch, truth, data, quick().parameterPattern("layer2").build());
        assertTrue(watch.calls.get() > 100);
        assertEquals(0, watch.changedCalls.get());
        assertEquals(20, result.sampledParameters());
        assertArrayEquals(heldAtStart, truth.get("layer1").toDoubleArray());
        assertTrue(result.chains().getFirst().diagnostics().distanceTrace()[49] > 0, "the sampled layer moved");
    }

    @Test
    void dataRefinedSamplingUsesOnlyTheSubset() {
        SgldSettings settings = quick().dataSubset(DataSubset.indices(0, 1, 2, 3, 4)).minibatchSize(10).build();
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> LlcEstimator.estimate(workload, truth, data, settings));
        assertTrue(error.getMessage().startsWith("minibatchSize: 10 exceeds the 5 rows of the data subset"), error.getMessage());
        LlcResult result = LlcEstimator.estimate(workload, truth, data, settings.toBuilder().minibatchSize(5).build());
        assertTrue(result.llcMean() > 0);
    }

    @Test
    void sameSeedGivesTheSameEstimateAndAnotherSeedAnother() {
        LlcResult first = LlcEstimator.estimate(workload, truth, data, quick().build());
        LlcResult again = LlcEstimator.estimate(workload, truth, data, quick().build());
        LlcResult other = LlcEstimator.estimate(workload, truth, data, quick().seed(4).build());
        assertEquals(first.llcMean(), again.llcMean());
        assertArrayEquals(first.chains().get(1).lossTrace(), again.chains().get(1).lossTrace());
        assertNotEquals(first.llcMean(), other.llcMean());
    }

    @Test
    void listenerHearsEveryDrawInOrderAndCancellationStopsTheLoop() {
        List<String> heard = new ArrayList<>();
        LlcEstimator.estimate(workload, truth, data, quick().build(),
                (chain, draw, loss) -> heard.add(chain + ":" + draw), Cancellation.NONE);
        assertEquals(100, heard.size());
        assertEquals("0:0", heard.getFirst());
        assertEquals("1:49", heard.getLast());

        AtomicInteger draws = new AtomicInteger();
        assertThrows(CancellationException.class, () -> LlcEstimator.estimate(workload, truth, data, quick().build(),
                (chain, draw, loss) -> draws.incrementAndGet(), Cancellation.when(() -> draws.get() >= 7)));
        assertEquals(7, draws.get());
    }

    @Test
    void rmspropVariantGivesAFiniteHealthyEstimate() {
        LlcResult result = LlcEstimator.estimate(workload, truth, data,
                quick().preconditioning(Preconditioning.RMSPROP).epsilon(1e-4).build());
        assertTrue(result.llcMean() > 0 && Double.isFinite(result.llcMean()));
        ChainDiagnostics diagnostics = result.chains().getFirst().diagnostics();
        assertTrue(diagnostics.malaAcceptanceRate() > 0.5 && diagnostics.malaAcceptanceRate() <= 1.0);
        assertTrue(diagnostics.meanNoiseNorm() > diagnostics.meanGradientStepNorm());
    }

    @Test
    void defaultNBetaIsMinibatchSizeOverItsLogarithm() {
        SgldSettings settings = quick().nBeta(null).minibatchSize(100).build();
        assertEquals(100 / Math.log(100), settings.effectiveNBeta(), 1e-12);
        assertEquals(100 / Math.log(100), LlcEstimator.estimate(workload, truth, data, settings).nBeta(), 1e-12);
    }

    @Test
    void invalidSettingsNameTheField() {
        assertField("epsilon", () -> quick().epsilon(0).build());
        assertField("gamma", () -> quick().gamma(-1).build());
        assertField("nBeta", () -> quick().nBeta(Double.NaN).build());
        assertField("chains", () -> quick().chains(0).build());
        assertField("draws", () -> quick().draws(0).build());
        assertField("burnIn", () -> quick().burnIn(-1).build());
        assertField("stepsBetweenDraws", () -> quick().stepsBetweenDraws(0).build());
        assertField("minibatchSize", () -> quick().nBeta(null).minibatchSize(1).build());
        assertField("initialLossBatches", () -> quick().initialLossBatches(0).build());
        assertField("rmspropAlpha", () -> quick().rmspropAlpha(1).build());
        assertField("parameterPattern", () -> quick().parameterPattern("layer[").build());
        assertField("parameterPattern", () -> LlcEstimator.estimate(workload, truth, data, quick().parameterPattern("bias.*").build()));
        assertField("minibatchSize", () -> LlcEstimator.estimate(workload, truth, data, quick().minibatchSize(201).build()));
    }

    private static void assertField(String field, Runnable build) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(error.getMessage().startsWith(field + ":"), error.getMessage());
    }

    /**
     * The deep linear workload, checking on every forward pass whether the held parameter still
     * equals its checkpoint value bit for bit.
     */
    private static final class ParameterWatch implements Workload {
        private final Workload inner;
        private final String held;
        private final double[] expected;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger changedCalls = new AtomicInteger();

        @Override
        public boolean classification() {
            return inner.classification();
        }

        ParameterWatch(Workload inner, String held, NDArray checkpointValue) {
            this.inner = inner;
            this.held = held;
            this.expected = checkpointValue.toDoubleArray();
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public Parameters initialise(NDManager manager, long seed) {
            return inner.initialise(manager, seed);
        }

        @Override
        public NDArray forward(Parameters parameters, NDArray inputs) {
            calls.incrementAndGet();
            if (!Arrays.equals(expected, parameters.get(held).toDoubleArray())) {
                changedCalls.incrementAndGet();
            }
            return inner.forward(parameters, inputs);
        }

        @Override
        public NDArray loss(NDArray outputs, NDArray targets) {
            return inner.loss(outputs, targets);
        }

        @Override
        public double accuracy(NDArray outputs, NDArray targets) {
            return inner.accuracy(outputs, targets);
        }

        @Override
        public DataSplit data(NDManager manager, long seed) {
            return inner.data(manager, seed);
        }
    }
}
