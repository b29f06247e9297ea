package org.emergence.trainer.imports;

/**
 * The largest import the trainer accepts (trainer.import.* in application.properties): all
 * files' bytes together, the number of files, and each file's bytes (read whole to load).
 */
public record ImportLimits(long maxBytes, int maxFiles, long maxFileBytes) {
}
