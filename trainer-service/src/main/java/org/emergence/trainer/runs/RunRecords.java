package org.emergence.trainer.runs;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import org.emergence.durable.DurableFiles;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.RunState;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.DirectoryCheckpointStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Each run's durable record, {@code <checkpoint-dir>/<runId>/run.json}: config, state, last
 * step, message (a {@link GetRunResponse} as JSON), rewritten with {@link DurableFiles} on every
 * change, so a trainer that dies knows at its next start which runs to resume.
 */
final class RunRecords {

    private static final Logger LOG = Logger.getLogger(RunRecords.class.getName());
    private static final String FILE = "run.json";
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private final DirectoryCheckpointStore store;

    RunRecords(DirectoryCheckpointStore store) {
        this.store = store;
    }

    void save(GetRunResponse record) {
        try {
            DurableFiles.write(file(record.getRunId()), PRINTER.print(record).getBytes(StandardCharsets.UTF_8));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("run record of " + record.getRunId() + " does not print", e);
        }
    }

    /**
     * Every run in the store. A record that does not parse is quarantined and the run comes back
     * FAILED, with the config of its latest checkpoint and a message saying so (ResumeRun
     * continues it); a run folder with neither record nor checkpoint is skipped.
     */
    List<GetRunResponse> loadAll() {
        List<GetRunResponse> records = new ArrayList<>();
        for (String runId : store.runIds()) {
            Path file = file(runId);
            if (Files.exists(file)) {
                try {
                    GetRunResponse.Builder record = GetRunResponse.newBuilder();
                    PARSER.merge(Files.readString(file, StandardCharsets.UTF_8), record);
                    records.add(record.build());
                    continue;
                } catch (InvalidProtocolBufferException | RuntimeException e) {
                    Path aside = DurableFiles.quarantine(file, e.toString());
                    reconstructed(runId, "its run record was unreadable and is kept as " + aside.getFileName())
                            .ifPresent(records::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + file, e);
                }
            } else {
                // Checkpoints from before run records existed, or a record lost with its disk block.
                reconstructed(runId, "it had no run record").ifPresent(records::add);
            }
        }
        return records;
    }

    private Optional<GetRunResponse> reconstructed(String runId, String why) {
        List<Long> steps = store.steps(runId);
        if (steps.isEmpty()) {
            LOG.warning("run folder " + runId + " holds no checkpoint; " + why);
            return Optional.empty();
        }
        long last = steps.get(steps.size() - 1);
        Checkpoint latest = store.get(runId, last).orElseThrow();
        String message = "run " + runId + " stopped when the trainer restarted: " + why + "; resume it with ResumeRun";
        LOG.severe(message);
        GetRunResponse record = GetRunResponse.newBuilder().setRunId(runId).setConfig(RunConfigs.fromJson(latest.configJson()))
                .setState(RunState.RUN_STATE_FAILED).setLastStep(last).setMessage(message).build();
        save(record);
        return Optional.of(record);
    }

    private Path file(String runId) {
        return store.runDirectory(Checkpoint.requireValidRunId(runId)).resolve(FILE);
    }
}
