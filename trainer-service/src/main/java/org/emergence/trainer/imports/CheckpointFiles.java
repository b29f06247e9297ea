package org.emergence.trainer.imports;

import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ImportFormat;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How one import format lays out its checkpoints in the upload: which paths belong to which
 * checkpoint (so that no other path is ever written), and how a complete checkpoint becomes the
 * archive a stored checkpoint keeps ({@code import.archive}).
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

    /**
     * The checkpoint at {@code checkpoint} (its file or folder in the import folder) as the archive
     * to store; INVALID_ARGUMENT naming {@code name} where it is not one of this format.
     */
    byte[] archive(Path checkpoint, String name, ImportLimits limits);

    static CheckpointFiles of(ImportFormat format) {
        return switch (format) {
            case IMPORT_FORMAT_TORCHSCRIPT -> new TorchScriptFiles();
            case IMPORT_FORMAT_SAVEDMODEL -> new SavedModelFiles();
            default -> throw RequestException.invalid("header.format", "header.format must be IMPORT_FORMAT_TORCHSCRIPT "
                    + "or IMPORT_FORMAT_SAVEDMODEL, got " + format);
        };
    }
}
