package org.emergence.trainer.imports;

import org.emergence.proto.v1.ImportHeader;

import java.nio.file.Path;
import java.util.UUID;

/**
 * Where uploads are staged ({@code <checkpoint-dir>/.imports}, a name no run id can take) and
 * the limits they are held to. Each upload gets its own folder, removed when its import ends;
 * a trainer killed mid-upload removes the leftovers when it starts again.
 */
public final class Imports {

    private final Path folder;
    private final ImportLimits limits;

    public Imports(Path checkpointRoot, ImportLimits limits) {
        this.folder = checkpointRoot.resolve(".imports");
        this.limits = limits;
        ImportUpload.removeTree(folder);
    }

    public ImportLimits limits() {
        return limits;
    }

    /** A new upload in a folder of its own, after checking its header. */
    public ImportUpload start(ImportHeader header) {
        return new ImportUpload(folder, UUID.randomUUID().toString(), header, limits);
    }
}
