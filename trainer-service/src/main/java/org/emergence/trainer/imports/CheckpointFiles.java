package org.emergence.trainer.imports;

import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ImportFormat;

import java.util.Optional;

/**
 * How one import format lays out its checkpoints in the upload: which paths belong to which
 * checkpoint, so that no other path is ever written. Model formats also say how a complete
 * checkpoint becomes the archive a stored checkpoint keeps ({@link ModelFiles}).
 */
public interface CheckpointFiles {

    /**
     * A checkpoint a path belongs to.
     *
     * @param checkpoint the checkpoint's file or folder, relative to the import folder
     */
    record Part(long step, String checkpoint) {
    }

    /** The checkpoint {@code path} is part of; empty where the format has no such path. */
    Optional<Part> part(String path);

    /** The checkpoint names, for messages: {@code step-<N>.pt}. */
    String names();

    static CheckpointFiles of(ImportFormat format) {
        return switch (format) {
            case IMPORT_FORMAT_TORCHSCRIPT -> new TorchScriptFiles();
            case IMPORT_FORMAT_SAVEDMODEL -> new SavedModelFiles();
            case IMPORT_FORMAT_PARAMETER_FILES -> new ParameterFileNames();
            default -> throw RequestException.invalid("header.format", "header.format must be IMPORT_FORMAT_TORCHSCRIPT, "
                    + "IMPORT_FORMAT_SAVEDMODEL or IMPORT_FORMAT_PARAMETER_FILES, got " + format);
        };
    }
}
