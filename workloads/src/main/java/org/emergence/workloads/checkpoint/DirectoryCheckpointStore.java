package org.emergence.workloads.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The durable store: {@code <root>/<runId>/step-000001234.safetensors}, one file per checkpoint.
 * A file is written under a temporary name in the same directory and renamed atomically into
 * place, so a reader never sees a half-written checkpoint.
 */
public final class DirectoryCheckpointStore implements CheckpointStore {

    private static final Pattern FILE_NAME = Pattern.compile("step-(\\d{9,19})\\.safetensors");

    private final Path root;

    public DirectoryCheckpointStore(Path root) {
        this.root = root;
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
        Path directory = runDirectory(runId);
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> FILE_NAME.matcher(file.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(match -> Long.parseLong(match.group(1)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints of run " + runId, e);
        }
    }

    /** Writes a checkpoint's encoded bytes atomically. */
    public void write(String runId, long step, byte[] encoded) {
        Path target = file(runId, step);
        try {
            Files.createDirectories(target.getParent());
            Path temporary = Files.createTempFile(target.getParent(), ".writing-", ".tmp");
            try {
                Files.write(temporary, encoded);
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target, e);
        }
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

    private Path runDirectory(String runId) {
        return root.resolve(Checkpoint.requireValidRunId(runId));
    }
}
