package org.emergence.trainer.imports;

import org.emergence.durable.DurableFiles;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ImportFileChunk;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportHeader;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One import's files as they arrive, written into its own import folder and checked on the way:
 * the header's declared sizes against the trainer's limits before any byte is stored, each path
 * against the names an import may hold (so none can escape the folder), and each chunk against
 * the offset its file has reached. {@link #discard} removes the folder, whatever happened.
 */
public final class ImportUpload implements AutoCloseable {

    private static final Pattern DATA_FILE = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}\\.npz");
    public static final String DEFAULT_DATA_PATH = "data.npz";

    private final Path folder;
    private final ImportHeader header;
    private final String dataPath;
    private final CheckpointFiles files;
    private final Map<String, Long> sizes = new LinkedHashMap<>();
    private String open;
    private OutputStream out;
    private long received;

    /** Checks the header against {@code limits} and creates the import's folder under {@code imports}. */
    public ImportUpload(Path imports, String id, ImportHeader header, ImportLimits limits) {
        this.files = CheckpointFiles.of(header.getFormat());
        // Parameter files are of a built-in workload, whose data are its own.
        boolean withData = header.getFormat() != ImportFormat.IMPORT_FORMAT_PARAMETER_FILES;
        if (header.getTotalBytes() <= 0 || header.getTotalBytes() > limits.maxBytes()) {
            throw RequestException.invalid("header.total_bytes", "header.total_bytes must be in 1.." + limits.maxBytes()
                    + " (trainer.import.max-bytes), got " + header.getTotalBytes());
        }
        int minFiles = withData ? 2 : 1;
        if (header.getFileCount() < minFiles || header.getFileCount() > limits.maxFiles()) {
            throw RequestException.invalid("header.file_count", "header.file_count must be in " + minFiles + ".."
                    + limits.maxFiles() + " (trainer.import.max-files: checkpoints" + (withData ? " and the data file" : "")
                    + "), got " + header.getFileCount());
        }
        if (!withData && !header.getDataPath().isEmpty()) {
            throw RequestException.invalid("header.data_path", "parameter files take no data file (the workload's "
                    + "data are its own); leave header.data_path empty");
        }
        this.dataPath = !withData ? null : header.getDataPath().isEmpty() ? DEFAULT_DATA_PATH : header.getDataPath();
        if (withData && !DATA_FILE.matcher(dataPath).matches()) {
            throw RequestException.invalid("header.data_path", "header.data_path must be a file name ending in .npz "
                    + "(letters, digits, '.', '_', '-'), got " + dataPath);
        }
        this.header = header;
        this.folder = imports.resolve(id);
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the import folder " + folder, e);
        }
    }

    public ImportHeader header() {
        return header;
    }

    public Path folder() {
        return folder;
    }

    public String dataPath() {
        return dataPath;
    }

    public CheckpointFiles files() {
        return files;
    }

    public void accept(ImportFileChunk chunk) {
        String path = chunk.getPath();
        if (!path.equals(open)) {
            if (open != null) {
                throw RequestException.invalid("chunk.path", "file " + open + " ended without a chunk marked last; "
                        + "it is truncated");
            }
            if (!path.equals(dataPath) && files.part(path).isEmpty()) {
                throw RequestException.invalid("chunk.path", "chunk.path " + quoted(path) + " is neither " + files.names()
                        + (dataPath == null ? "" : " nor the data file " + dataPath) + "; an import holds only those, inside its folder");
            }
            if (sizes.containsKey(path)) {
                throw RequestException.invalid("chunk.path", "file " + path + " is sent twice");
            }
            if (sizes.size() >= header.getFileCount()) {
                throw RequestException.invalid("chunk.path", "more files than header.file_count " + header.getFileCount());
            }
            open(path);
        }
        if (chunk.getOffset() != sizes.get(path)) {
            throw RequestException.invalid("chunk.offset", "chunk.offset of " + path + " is " + chunk.getOffset()
                    + ", but the file has " + sizes.get(path) + " bytes so far");
        }
        received += chunk.getData().size();
        if (received > header.getTotalBytes()) {
            throw RequestException.invalid("chunk.data", "the files exceed header.total_bytes " + header.getTotalBytes());
        }
        try {
            chunk.getData().writeTo(out);
            sizes.merge(path, (long) chunk.getData().size(), Long::sum);
            if (chunk.getLast()) {
                out.close();
                out = null;
                open = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + " into the import folder", e);
        }
    }

    /** The checkpoint files by step, once every file is complete; INVALID_ARGUMENT naming what is missing. */
    public Map<Long, Path> finish() {
        if (open != null) {
            throw RequestException.invalid("chunk.last", "file " + open + " ended without a chunk marked last; it is truncated");
        }
        if (received != header.getTotalBytes()) {
            throw RequestException.invalid("header.total_bytes", "the files hold " + received + " bytes, not the "
                    + header.getTotalBytes() + " header.total_bytes declares: the import is truncated");
        }
        if (sizes.size() != header.getFileCount()) {
            throw RequestException.invalid("header.file_count", sizes.size() + " files arrived, not the "
                    + header.getFileCount() + " header.file_count declares");
        }
        if (dataPath != null && !sizes.containsKey(dataPath)) {
            throw RequestException.invalid("header.data_path", "the data file " + dataPath + " was not sent");
        }
        Map<Long, String> steps = new java.util.TreeMap<>();
        sizes.keySet().forEach(path -> files.part(path).ifPresent(part -> {
            String other = steps.putIfAbsent(part.step(), part.checkpoint());
            if (other != null && !other.equals(part.checkpoint())) {
                throw RequestException.invalid("chunk.path", other + " and " + part.checkpoint() + " both name step "
                        + part.step());
            }
        }));
        Map<Long, Path> checkpoints = new java.util.TreeMap<>();
        steps.forEach((step, checkpoint) -> checkpoints.put(step, folder.resolve(checkpoint)));
        return checkpoints;
    }

    public Path dataFile() {
        return folder.resolve(dataPath);
    }

    private void open(String path) {
        Path file = folder.resolve(path).normalize();
        // The name patterns already exclude '..' and leading '/'; this keeps the folder's promise even if they change.
        if (!file.startsWith(folder.normalize()) || file.equals(folder.normalize())) {
            throw RequestException.invalid("chunk.path", "chunk.path " + quoted(path) + " escapes the import folder");
        }
        try {
            // Only this upload creates folders here, none of them links: a SavedModel's step-<N>/variables/.
            Files.createDirectories(file.getParent());
            out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + path + " in the import folder", e);
        }
        open = path;
        sizes.put(path, 0L);
    }

    private static String quoted(String path) {
        return "'" + (path.length() > 200 ? path.substring(0, 200) + "..." : path) + "'";
    }

    /** Removes the import folder and everything in it. */
    public void discard() {
        try {
            if (out != null) {
                out.close();
                out = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + open + " in the import folder", e);
        }
        removeTree(folder);
    }

    /** Removes {@code folder} and everything under it, if it exists. */
    public static void removeTree(Path folder) {
        DurableFiles.removeTree(folder);
    }

    @Override
    public void close() {
        discard();
    }
}
