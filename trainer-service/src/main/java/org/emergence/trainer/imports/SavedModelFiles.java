package org.emergence.trainer.imports;

import org.emergence.proto.grpc.RequestException;
import org.emergence.workloads.imported.SavedModelArchive;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TensorFlow SavedModel checkpoints: one directory per step, {@code step-<N>/}, each of its files
 * sent with its path inside the import ({@code step-<N>/variables/variables.index}). Only the
 * files a SavedModel holds are accepted ({@link SavedModelArchive#FILE}), so no path can leave
 * the import folder; a complete directory is stored packed as one archive.
 */
final class SavedModelFiles implements ModelFiles {

    private static final Pattern FILE = Pattern.compile("(step-(\\d{1,18}))/(" + SavedModelArchive.FILE.pattern() + ")");

    @Override
    public Optional<Part> part(String path) {
        Matcher match = FILE.matcher(path);
        return match.matches() ? Optional.of(new Part(Long.parseLong(match.group(2)), match.group(1))) : Optional.empty();
    }

    @Override
    public String names() {
        return "step-<N>/<a file of a SavedModel: saved_model.pb, fingerprint.pb, variables/variables.index, "
                + "variables/variables.data-*, assets/*>";
    }

    @Override
    public byte[] archive(Path checkpoint, String name, ImportLimits limits) {
        try {
            // The directory is read whole into one archive: it is held to one file's limit.
            return SavedModelArchive.pack(checkpoint, limits.maxFileBytes());
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid("chunk.path", name + "/ " + e.getMessage());
        }
    }
}
