package org.emergence.workloads.checkpoint;

import org.emergence.durable.DurableFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The durable store: {@code <root>/<runId>/step-000001234.safetensors}, one file per checkpoint,
 * written with {@link DurableFiles} (whole or absent, and on disk once written). Beside the latest
 * checkpoint lies the optimiser's state, {@code step-000001234.optimiser}: what resuming the run
 * needs, and nothing a probe or cache ever reads ({@link #steps} lists only checkpoints).
 */
public final class DirectoryCheckpointStore implements CheckpointStore {

    private static final Pattern FILE_NAME = Pattern.compile("step-(\\d{9,19})\\.safetensors");
    private static final Pattern OPTIMISER_FILE_NAME = Pattern.compile("step-(\\d{9,19})\\.optimiser");

    private final Path root;

    /** Opens the store, removing the temporaries of writes a crash cut short. */
    public DirectoryCheckpointStore(Path root) {
        this.root = root;
        DurableFiles.removeTemporaries(root, 2);
    }

    public Path root() {
        return root;
    }

    @Override
    public void put(Checkpoint checkpoint) {
        write(checkpoint.runId(), checkpoint.step(), SafetensorsCodec.encode(checkpoint));
    }

    @Override
    public Optional<Checkpoint> get(String runId, long step) {
        return read(runId, step).map(SafetensorsCodec::decode);
    }

    @Override
    public List<Long> steps(String runId) {
        return matching(runId, FILE_NAME);
    }

    /** The runs with a folder in the store. */
    public List<String> runIds() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> folders = Files.list(root)) {
            return folders.filter(Files::isDirectory).map(folder -> folder.getFileName().toString())
                    .filter(Checkpoint::isValidRunId).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the runs in " + root, e);
        }
    }

    /** The run's folder, where its files live. */
    public Path runDirectory(String runId) {
        return root.resolve(Checkpoint.requireValidRunId(runId));
    }

    private Path optimiserFile(String runId, long step) {
        return runDirectory(runId).resolve(String.format("step-%09d.optimiser", step));
    }

    private List<Long> matching(String runId, Pattern fileName) {
        Path directory = runDirectory(runId);
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> fileName.matcher(file.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(match -> Long.parseLong(match.group(1)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the files of run " + runId, e);
        }
    }

    /** Writes a checkpoint's encoded bytes atomically and durably. */
    public void write(String runId, long step, byte[] encoded) {
        DurableFiles.write(file(runId, step), encoded);
    }

    /**
     * Keeps the optimiser's state at {@code step} (encoded like a checkpoint), written before that
     * step's checkpoint. Older states go, but for the newest of them: until this step's checkpoint
     * is on disk, that one is still where the run would resume.
     */
    public void writeOptimiserState(Checkpoint state) {
        DurableFiles.write(optimiserFile(state.runId(), state.step()), SafetensorsCodec.encode(state));
        List<Long> older = matching(state.runId(), OPTIMISER_FILE_NAME).stream().filter(step -> step < state.step()).toList();
        try {
            for (long step : older.subList(0, Math.max(0, older.size() - 1))) {
                Files.deleteIfExists(optimiserFile(state.runId(), step));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove an old optimiser state of run " + state.runId(), e);
        }
    }

    /** The latest optimiser state of the run whose step also has a checkpoint, if any. */
    public Optional<Checkpoint> latestOptimiserState(String runId) {
        List<Long> checkpoints = steps(runId);
        List<Long> states = matching(runId, OPTIMISER_FILE_NAME);
        for (int i = states.size() - 1; i >= 0; i--) {
            long step = states.get(i);
            if (checkpoints.contains(step)) {
                Path file = optimiserFile(runId, step);
                try {
                    return Optional.of(SafetensorsCodec.decode(Files.readAllBytes(file)));
                } catch (IOException | IllegalArgumentException e) {
                    DurableFiles.quarantine(file, e.toString());
                }
            }
        }
        return Optional.empty();
    }

    /** A checkpoint's encoded bytes, if stored. */
    public Optional<byte[]> read(String runId, long step) {
        try {
            return Optional.of(Files.readAllBytes(file(runId, step)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + file(runId, step), e);
        }
    }

    public Path file(String runId, long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be non-negative, got " + step);
        }
        return runDirectory(runId).resolve(String.format("step-%09d.safetensors", step));
    }

}
