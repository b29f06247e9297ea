package org.emergence.trainer.runs;

import org.emergence.service.RunLimits;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.RunState;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.checkpoint.CachedCheckpointStore;
import org.emergence.service.checkpoint.InProcessCheckpointCache;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.DirectoryCheckpointStore;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs that outlive the trainer: records, resume at start, ResumeRun, a corrupt record (the
 * kill -9 case is the fault suite's). Each TrainingRuns here is a trainer process's worth of
 * state over the same folder. A Quarkus test only so that it shares the class loader, and so the
 * loaded PyTorch library, with the other tests of this module.
 */
@QuarkusTest
class TrainingRunsTest {

    private static final long STEPS = 200;

    @TempDir
    Path dir;
    private DirectoryCheckpointStore store;

    @BeforeEach
    void openStore() {
        store = new DirectoryCheckpointStore(dir);
    }

    @Test
    void aRunCutShortByShutdownResumesAtTheNextStartOnTheSameCurve() throws Exception {
        TrainingRuns first = open();
        first.start("reference", config());
        Run interrupted = first.start("interrupted", config());
        awaitTrue(() -> first.get("reference").state() == RunState.RUN_STATE_COMPLETED);
        awaitTrue(() -> store().steps("interrupted").size() >= 3);
        first.close();
        assertEquals(RunState.RUN_STATE_RUNNING, interrupted.state(), "a shutdown is not a stop");

        TrainingRuns second = open();
        awaitTrue(() -> second.get("interrupted").state() == RunState.RUN_STATE_COMPLETED);
        second.close();
        assertSameCheckpoints("reference", "interrupted");
    }

    @Test
    void resumeRunContinuesAStoppedRunAndRefusesARunningOrFinishedOne() throws Exception {
        TrainingRuns runs = open();
        runs.start("reference", config());
        runs.start("stopped", config());
        awaitTrue(() -> store().steps("stopped").size() >= 2);
        runs.stop("stopped");
        awaitTrue(() -> runs.get("stopped").state() == RunState.RUN_STATE_STOPPED);
        awaitTrue(() -> runs.get("reference").state() == RunState.RUN_STATE_COMPLETED);

        long from = runs.resume("stopped");
        assertTrue(from > 0 && from < STEPS, "resumes from a checkpoint: " + from);
        assertThrows(RequestException.class, () -> runs.resume("reference"), "a completed run does not resume");
        awaitTrue(() -> runs.get("stopped").state() == RunState.RUN_STATE_COMPLETED);
        runs.close();
        assertSameCheckpoints("reference", "stopped");
    }

    @Test
    void anUnreadableRunRecordIsQuarantinedAndTheRunReportedNotLost() throws Exception {
        TrainingRuns runs = open();
        runs.start("torn", config());
        awaitTrue(() -> runs.get("torn").state() == RunState.RUN_STATE_COMPLETED);
        runs.close();
        Files.writeString(dir.resolve("torn").resolve("run.json"), "{\"runId\": \"torn\", \"sta");
        Files.writeString(dir.resolve("torn").resolve(".writing-123.tmp"), "a write a crash cut short");

        store = new DirectoryCheckpointStore(dir);
        TrainingRuns reopened = open();
        Run torn = reopened.get("torn");
        reopened.close();
        assertEquals(RunState.RUN_STATE_FAILED, torn.state());
        assertTrue(torn.describe().getMessage().contains("unreadable"), torn.describe().getMessage());
        assertEquals(STEPS, torn.describe().getLastStep());
        try (Stream<Path> files = Files.list(dir.resolve("torn"))) {
            List<String> names = files.map(file -> file.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(name -> name.startsWith("run.json.corrupt-")), names.toString());
            assertTrue(names.stream().noneMatch(name -> name.startsWith(".writing-")), names.toString());
        }
    }

    @Test
    void deleteRemovesAFinishedRunAtOnceARunningOneWhenItStopsAndAMarkedOneAtTheNextStart() throws Exception {
        TrainingRuns runs = open();
        runs.start("finished", config());
        awaitTrue(() -> runs.get("finished").state() == RunState.RUN_STATE_COMPLETED);
        assertTrue(runs.storedBytes("finished") > 0);
        assertTrue(runs.delete("finished"), "a finished run's files go at once");
        assertTrue(Files.notExists(dir.resolve("finished")));
        assertEquals(io.grpc.Status.Code.NOT_FOUND,
                assertThrows(RequestException.class, () -> runs.delete("finished")).code(), "a second delete");

        runs.start("training", config());
        awaitTrue(() -> store().steps("training").size() >= 2);
        assertTrue(!runs.delete("training"), "a training run's files go once it stops");
        assertThrows(RequestException.class, () -> runs.get("training"));
        awaitTrue(() -> Files.notExists(dir.resolve("training")));
        runs.close();

        // A delete the trainer died in the middle of: the marked folder, and one moved aside.
        TrainingRuns second = open();
        second.start("marked", config());
        awaitTrue(() -> second.get("marked").state() == RunState.RUN_STATE_COMPLETED);
        second.close();
        Files.writeString(dir.resolve("marked").resolve("deleted"), "");
        Files.createDirectories(dir.resolve(".deleted-half").resolve("sub"));
        TrainingRuns third = open();
        assertThrows(RequestException.class, () -> third.get("marked"));
        third.close();
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.map(f -> f.getFileName().toString()).toList());
        }
    }

    private TrainingRuns open() {
        return new TrainingRuns(new CachedCheckpointStore(store(), new InProcessCheckpointCache(1 << 24)), 4, RunLimits.DEFAULTS,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    private DirectoryCheckpointStore store() {
        return store;
    }

    /** Every checkpoint of {@code resumed} equals the uninterrupted run's: parameters bit for bit, metrics exactly. */
    private void assertSameCheckpoints(String reference, String resumed) {
        List<Long> steps = store().steps(reference);
        assertEquals(steps, store().steps(resumed));
        for (long step : steps) {
            Checkpoint expected = store().get(reference, step).orElseThrow();
            Checkpoint actual = store().get(resumed, step).orElseThrow();
            assertEquals(expected.tensors(), actual.tensors(), "parameters at step " + step);
            assertEquals(expected.metrics(), actual.metrics(), "metrics at step " + step);
        }
    }

    private static RunConfig config() {
        return RunConfig.newBuilder()
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(ModularAdditionConfig.newBuilder()
                        .setModulus(11).setTrainFraction(0.5).setEmbeddingDim(16).setHiddenDim(32)))
                .setSteps(STEPS).setSeed(3).setEvalEvery(20)
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(20))
                .build();
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in time");
            }
            Thread.sleep(5);
        }
    }
}
