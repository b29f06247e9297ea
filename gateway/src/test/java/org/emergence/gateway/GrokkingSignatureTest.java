package org.emergence.gateway;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.configs.DemoRun;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The grokking signature (issue 7), end to end with the default analysis: on the demo run, the
 * H1 persistence of the embedding's default cloud (its strongest Fourier plane) rises as the
 * model generalises. Its peak from the first checkpoint with test accuracy >= 0.95 on is at least
 * three times its median before test accuracy first reaches 0.5, for seeds 0, 1 and 2.
 */
@QuarkusTest
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class GrokkingSignatureTest {

    private static final String PERSISTENCE = "h1_max_persistence.embedding_fourier";
    private static final String TEST_ACCURACY = "test_accuracy";
    private static ManagedChannel channel;
    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub experiments;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        experiments = ExperimentServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    @Test
    void embeddingPersistenceRisesAfterGrokkingOnEverySeed() {
        // All three at once: the trainer runs them one after another while the earlier ones are analysed.
        List<String> ids = new ArrayList<>();
        for (long seed = 0; seed <= 2; seed++) {
            ids.add(experiments.createExperiment(CreateExperimentRequest.newBuilder().setName("grokking seed " + seed)
                    .setRun(DemoRun.config().toBuilder().setSeed(seed)).setPlan(AnalysisPlan.getDefaultInstance())
                    .build()).getExperimentId());
        }
        List<String> verdicts = new ArrayList<>();
        for (String id : ids) {
            WatchExperimentResponse last = ExperimentEndToEndTest.awaitEnd(experiments, id, 900);
            assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, last.getFinished().getState(), last.toString());
            verdicts.add(signature(experiments.getReport(GetReportRequest.newBuilder().setExperimentId(id).build())));
        }
        // Printed for people, asserted below: the figures of each seed.
        verdicts.forEach(System.out::println);
        assertTrue(verdicts.stream().allMatch(v -> v.endsWith("holds")), String.join("\n", verdicts));
    }

    /** "seed N: peak P after grokking, median M before, ratio R: holds|fails". */
    private static String signature(GetReportResponse report) {
        Map<String, Series> series = report.getSeriesList().stream().collect(Collectors.toMap(Series::getName, s -> s));
        assertTrue(series.containsKey(PERSISTENCE), "the default cloud's series: " + series.keySet());
        Series accuracy = series.get(TEST_ACCURACY);
        Series persistence = series.get(PERSISTENCE);
        assertEquals(accuracy.getStepsList(), persistence.getStepsList(), "both on the analysed checkpoints");
        int halfway = firstAtLeast(accuracy, 0.5);
        int grokked = firstAtLeast(accuracy, 0.95);
        assertTrue(halfway > 0 && grokked >= halfway, "test accuracy reached 0.5 (at checkpoint " + halfway
                + ") and 0.95 (at " + grokked + ") after the start");
        double[] before = persistence.getValuesList().subList(0, halfway).stream().mapToDouble(Double::doubleValue)
                .sorted().toArray();
        double median = before.length % 2 == 1 ? before[before.length / 2]
                : (before[before.length / 2 - 1] + before[before.length / 2]) / 2;
        double peak = persistence.getValuesList().subList(grokked, persistence.getValuesCount()).stream()
                .mapToDouble(Double::doubleValue).max().orElseThrow();
        double ratio = peak / median;
        return String.format("seed %d: peak %.4f after grokking (step %d on), median %.4f of %d checkpoints before "
                        + "step %d, ratio %.2f: %s", report.getRun().getSeed(), peak, accuracy.getSteps(grokked), median,
                before.length, accuracy.getSteps(halfway), ratio, ratio >= 3 ? "holds" : "fails");
    }

    /** The index of the first checkpoint whose value is at least {@code threshold}, or -1. */
    private static int firstAtLeast(Series series, double threshold) {
        for (int i = 0; i < series.getValuesCount(); i++) {
            if (series.getValues(i) >= threshold) {
                return i;
            }
        }
        return -1;
    }
}
