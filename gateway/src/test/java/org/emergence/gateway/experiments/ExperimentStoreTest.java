package org.emergence.gateway.experiments;

import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.Provenance;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a crash can leave on disk never stops a start and is never dropped unnoticed. */
class ExperimentStoreTest {

    @TempDir
    Path root;

    @Test
    void aCorruptExperimentFileIsQuarantinedAndTheOthersStillLoad() throws IOException {
        ExperimentStore store = new ExperimentStore(root);
        store.save(record("exp-good"));
        store.save(record("exp-bad"));
        Files.writeString(root.resolve("exp-bad").resolve("experiment.json"), "{\"id\": \"exp-bad\", \"ten");

        ExperimentStore reopened = new ExperimentStore(root);
        assertEquals(List.of("exp-good"), reopened.loadAll().stream().map(ExperimentRecord::id).toList());
        assertEquals(1, reopened.quarantined().size());
        assertTrue(Files.exists(reopened.quarantined().get(0)), "kept aside for a person to look at");
        assertFalse(Files.exists(root.resolve("exp-bad").resolve("experiment.json")));
    }

    @Test
    void aTornLastLineIsDroppedTheOriginalKeptAsideAndTheLogGoesOnWhole() throws IOException {
        ExperimentStore store = new ExperimentStore(root);
        store.save(record("exp-torn"));
        store.appendAnalysis("exp-torn", analysis(0));
        store.appendAnalysis("exp-torn", analysis(10));
        Path log = root.resolve("exp-torn").resolve("analyses.jsonl");
        Files.writeString(log, "{\"step\":\"20\",\"scal", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        ExperimentStore reopened = new ExperimentStore(root);
        assertEquals(List.of(0L, 10L), reopened.loadAnalyses("exp-torn").stream().map(CheckpointAnalysed::getStep).toList());
        assertEquals(1, reopened.quarantined().size());
        reopened.appendAnalysis("exp-torn", analysis(20));
        assertEquals(List.of(0L, 10L, 20L), new ExperimentStore(root).loadAnalyses("exp-torn").stream()
                .map(CheckpointAnalysed::getStep).toList(), "the next line is not glued to the torn one");
    }

    @Test
    void temporariesOfCutShortWritesAreRemovedAtStart() throws IOException {
        new ExperimentStore(root).save(record("exp-tmp"));
        Path leftover = root.resolve("exp-tmp").resolve(".writing-42.tmp");
        Files.writeString(leftover, "half an experiment.json");

        new ExperimentStore(root);
        try (Stream<Path> files = Files.list(root.resolve("exp-tmp"))) {
            assertEquals(List.of("experiment.json"), files.map(file -> file.getFileName().toString()).toList());
        }
    }

    @Test
    void theTrainersProvenanceIsKeptAndARecordFromBeforeItStillLoads() throws IOException {
        ExperimentStore store = new ExperimentStore(root);
        Provenance trainer = Provenance.newBuilder().setVersion("0.1.0").setCommit("abc").setIntraOpThreads(1).build();
        ExperimentRecord record = record("exp-new");
        store.save(new ExperimentRecord(record.id(), record.tenant(), record.name(), record.runId(), record.run(),
                record.plan(), record.workload(), record.state(), record.message(), 1, 0, trainer, ""));
        store.save(record("exp-old"));
        Path old = root.resolve("exp-old").resolve("experiment.json");
        Files.writeString(old, Files.readString(old).replaceAll(",\\s*\"trainerProvenance\"\\s*:\\s*\\{\\s*}", ""));
        assertFalse(Files.readString(old).contains("trainerProvenance"), "written as before provenance was recorded");

        List<ExperimentRecord> loaded = new ExperimentStore(root).loadAll();
        assertEquals(2, loaded.size());
        for (ExperimentRecord r : loaded) {
            assertEquals(r.id().equals("exp-new") ? trainer : Provenance.getDefaultInstance(), r.trainerProvenance(), r.id());
        }
    }

    private static ExperimentRecord record(String id) {
        return new ExperimentRecord(id, "default", id, id + "-run", RunConfig.newBuilder().setSteps(10).build(),
                AnalysisPlan.getDefaultInstance(), WorkloadDescription.getDefaultInstance(),
                ExperimentState.EXPERIMENT_STATE_RUNNING, "", 1, 0, Provenance.getDefaultInstance(), "");
    }

    private static CheckpointAnalysed analysis(long step) {
        return CheckpointAnalysed.newBuilder().setStep(step).putScalars("weight_norm", step / 10.0).build();
    }
}
