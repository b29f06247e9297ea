package org.emergence.trainer.imports;

import java.nio.file.Path;

/** The files of a model format (TorchScript, SavedModel), whose checkpoints are stored as the model's archive. */
interface ModelFiles extends CheckpointFiles {

    /**
     * The checkpoint at {@code checkpoint} (its file or folder in the import folder) as the archive
     * to store; INVALID_ARGUMENT naming {@code name} where it is not one of this format.
     */
    byte[] archive(Path checkpoint, String name, ImportLimits limits);
}
