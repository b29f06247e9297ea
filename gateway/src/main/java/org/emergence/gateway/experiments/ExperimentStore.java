package org.emergence.gateway.experiments;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import org.emergence.durable.DurableFiles;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.CheckpointDetails;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.StepProgress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Experiments on disk, one folder each: {@code experiment.json} (rewritten atomically on every
 * change of state), and two append-only JSON-lines logs, {@code progress.jsonl} and
 * {@code analyses.jsonl}, every write forced to disk with its folder ({@link DurableFiles}); and
 * {@code details/<step>.binpb}, each checkpoint's details (binary protobuf, written atomically
 * before its analysis is logged, so an analysed step has its details).
 *
 * <p>Nothing unreadable stops a start or vanishes unnoticed: an {@code experiment.json} that does
 * not parse is moved aside ({@code .corrupt-<millis>}) and listed in {@link #quarantined()}; a
 * log with lines that do not parse (a line torn by a crash) is copied aside whole and rewritten
 * with its good lines, so a result is either whole or absent (and then analysed again).
 */
public final class ExperimentStore {

    private static final Logger LOG = Logger.getLogger(ExperimentStore.class.getName());
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    /** An experiment's folder while it is deleted; no experiment id starts with a dot. */
    private static final String DELETED_PREFIX = ".deleted-";

    private final Path root;
    private final List<Path> quarantined = new CopyOnWriteArrayList<>();

    /** Opens the store, removing the temporaries of writes a crash cut short. */
    public ExperimentStore(Path root) {
        this.root = root;
        try {
            DurableFiles.createFolders(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + root, e);
        }
        DurableFiles.removeTemporaries(root, 2);
    }

    public void save(ExperimentRecord record) {
        DurableFiles.write(root.resolve(record.id()).resolve("experiment.json"),
                record.toJson(PRINTER).getBytes(StandardCharsets.UTF_8));
    }

    /** The files moved aside because they could not be read, since this store was opened. */
    public List<Path> quarantined() {
        return List.copyOf(quarantined);
    }

    public void appendProgress(String id, StepProgress progress) {
        append(id, "progress.jsonl", progress);
    }

    public void appendAnalysis(String id, CheckpointAnalysed analysis) {
        append(id, "analyses.jsonl", analysis);
    }

    public void saveDetails(String id, CheckpointDetails details) {
        DurableFiles.write(detailsFile(id, details.getStep()), details.toByteArray());
    }

    /** The step's details; empty if there are none, or none readable (the unreadable file is moved aside). */
    public Optional<CheckpointDetails> loadDetails(String id, long step) {
        Path file = detailsFile(id, step);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(CheckpointDetails.parseFrom(Files.readAllBytes(file)));
        } catch (InvalidProtocolBufferException e) {
            quarantined.add(DurableFiles.quarantine(file, "details of step " + step + " of experiment " + id
                    + " are unreadable and left out: " + e));
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private Path detailsFile(String id, long step) {
        return root.resolve(id).resolve("details").resolve(step + ".binpb");
    }

    public List<ExperimentRecord> loadAll() {
        try (Stream<Path> dirs = Files.list(root)) {
            List<ExperimentRecord> records = new ArrayList<>();
            // Hidden folders are experiments being deleted (DELETED_PREFIX), never loaded.
            for (Path dir : dirs.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().startsWith("."))
                    .sorted().toList()) {
                Path file = dir.resolve("experiment.json");
                if (Files.exists(file)) {
                    try {
                        records.add(ExperimentRecord.fromJson(Files.readString(file), PARSER));
                    } catch (RuntimeException e) {
                        quarantined.add(DurableFiles.quarantine(file, "experiment " + dir.getFileName()
                                + " is unreadable and left out: " + e));
                    }
                }
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the data directory " + root, e);
        }
    }

    public List<StepProgress> loadProgress(String id) {
        return readLines(id, "progress.jsonl", StepProgress::newBuilder);
    }

    public List<CheckpointAnalysed> loadAnalyses(String id) {
        return readLines(id, "analyses.jsonl", CheckpointAnalysed::newBuilder);
    }

    private void append(String id, String file, Message message) {
        try {
            String line = PRINTER.print(message) + "\n";
            DurableFiles.append(root.resolve(id).resolve(file), line.getBytes(StandardCharsets.UTF_8));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print a line of " + file + " of experiment " + id, e);
        }
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> List<T> readLines(String id, String file, Supplier<? extends Message.Builder> builder) {
        Path path = root.resolve(id).resolve(file);
        if (!Files.exists(path)) {
            return List.of();
        }
        List<T> messages = new ArrayList<>();
        StringBuilder good = new StringBuilder();
        int bad = 0;
        try {
            for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
                Message.Builder b = builder.get();
                try {
                    PARSER.merge(line, b);
                    messages.add((T) b.build());
                    good.append(line).append('\n');
                } catch (InvalidProtocolBufferException | RuntimeException e) {
                    bad++;
                }
            }
            if (bad > 0) {
                // The original stays aside for a person; the log goes on from its good lines.
                Path aside = path.resolveSibling(path.getFileName() + ".corrupt-" + System.currentTimeMillis());
                Files.copy(path, aside);
                quarantined.add(aside);
                DurableFiles.write(path, good.toString().getBytes(StandardCharsets.UTF_8));
                LOG.warning(bad + " unreadable line(s) of " + path + " dropped (a crash mid-write tears the last one;"
                        + " what they held is redone), the original kept as " + aside.getFileName());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
        return messages;
    }

    /** Bytes of the experiment's files. */
    public long bytes(String id) {
        return DurableFiles.bytesUnder(root.resolve(id));
    }

    /**
     * The first step of a delete: the experiment's folder moves (atomically) out of what
     * {@link #loadAll} reads, so a restarted gateway no longer has it, while what else must go
     * (the trainer's run) can still be read from it ({@link #deleting}). {@link #purge} ends it.
     */
    public void moveToDeleted(String id) {
        Path folder = root.resolve(id);
        if (Files.isDirectory(folder)) {
            DurableFiles.move(folder, root.resolve(DELETED_PREFIX + id));
        }
    }

    /** The experiments moved aside by deletes not yet purged (a crash or an unreachable trainer cut them short). */
    public List<ExperimentRecord> deleting() {
        try (Stream<Path> dirs = Files.list(root)) {
            List<ExperimentRecord> records = new ArrayList<>();
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(DELETED_PREFIX)).sorted().toList()) {
                Path file = dir.resolve("experiment.json");
                try {
                    records.add(ExperimentRecord.fromJson(Files.readString(file), PARSER));
                } catch (IOException | RuntimeException e) {
                    // Nothing left to learn from it: the folder itself is all that remains to remove.
                    DurableFiles.removeTree(dir);
                }
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the data directory " + root, e);
        }
    }

    /** The last step of a delete: the moved-aside folder is removed. */
    public void purge(String id) {
        DurableFiles.removeTree(root.resolve(DELETED_PREFIX + id));
    }

    /** True while an experiment may still change. */
    static boolean isActive(ExperimentState state) {
        return state == ExperimentState.EXPERIMENT_STATE_RUNNING;
    }
}
