package org.emergence.durable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Files that survive a crash at any instant: written whole under a temporary name, forced to
 * disk, renamed into place, and the folder forced too (a rename lives in the folder's entry, so
 * without that a power cut may undo it). Temporaries all start with {@link #TEMPORARY_PREFIX},
 * so what a crash left behind is recognised and removed at the next start.
 */
public final class DurableFiles {

    public static final String TEMPORARY_PREFIX = ".writing-";
    private static final Logger LOG = Logger.getLogger(DurableFiles.class.getName());

    private DurableFiles() {
    }

    /** Replaces {@code target} with {@code bytes}, whole or not at all, and durably. */
    public static void write(Path target, byte[] bytes) {
        Path folder = target.toAbsolutePath().getParent();
        try {
            createFolders(folder);
            Path temporary = Files.createTempFile(folder, TEMPORARY_PREFIX, ".tmp");
            try {
                try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    channel.force(true);
                }
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
            syncFolder(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** Appends {@code bytes} to {@code file} and forces them to disk; a new file's folder entry is forced too. */
    public static void append(Path file, byte[] bytes) {
        try {
            boolean created = !Files.exists(file);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            if (created) {
                syncFolder(file.toAbsolutePath().getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /** Creates {@code folder} and its missing parents, forcing each new entry to disk. */
    public static void createFolders(Path folder) throws IOException {
        Path absolute = folder.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        createFolders(absolute.getParent());
        try {
            Files.createDirectory(absolute);
        } catch (FileAlreadyExistsException raced) {
            return;
        }
        syncFolder(absolute.getParent());
    }

    /**
     * Moves a file that cannot be read aside, to {@code <name>.corrupt-<instant>} beside it, and
     * logs why: kept for a person to look at, out of the way of the next start. Returns where it went.
     */
    public static Path quarantine(Path file, String why) {
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + Instant.now().toEpochMilli());
        try {
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
            syncFolder(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the corrupt " + file + " aside", e);
        }
        LOG.severe("quarantined " + file + " as " + aside.getFileName() + ": " + why);
        return aside;
    }

    /** Deletes the temporaries a crash left in {@code folder} and the folders below it, to {@code depth} levels. */
    public static List<Path> removeTemporaries(Path folder, int depth) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder, depth)) {
            List<Path> leftovers = files.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName().toString().startsWith(TEMPORARY_PREFIX)).toList();
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
                LOG.info("removed " + leftover + ", a write cut short by a crash");
            }
            return leftovers;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean temporaries under " + folder, e);
        }
    }

    /**
     * Renames {@code from} to {@code to} atomically and durably (both folders forced): the step
     * that makes a removal survive a crash, since a folder moved out of the way is no longer
     * loaded, while its contents are removed at leisure.
     */
    public static void move(Path from, Path to) {
        try {
            createFolders(to.toAbsolutePath().getParent());
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            syncFolder(from.toAbsolutePath().getParent());
            syncFolder(to.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + from + " to " + to, e);
        }
    }

    /** Removes {@code folder} and everything under it, if it exists (symbolic links are removed, not followed). */
    public static void removeTree(Path folder) {
        if (!Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + folder, e);
        }
    }

    /**
     * Bytes of the regular files under {@code folder}; 0 if it does not exist. What vanishes while
     * counting (a temporary file renamed into place by a writer) counts 0: a walk over a folder
     * being written meets entries it listed a moment before and can no longer read.
     */
    public static long bytesUnder(Path folder) {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        long[] total = {0};
        try {
            Files.walkFileTree(folder, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile()) {
                        total[0] += attributes.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) {
                        throw e;
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            return total[0];
        } catch (IOException e) {
            if (!Files.isDirectory(folder)) {
                return 0;
            }
            throw new UncheckedIOException("cannot measure " + folder, e);
        }
    }

    private static void syncFolder(Path folder) throws IOException {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
