package org.emergence.trainer.imports;

import org.emergence.workloads.imported.ParameterFiles;

import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Parameter files of a built-in workload: {@code step-<N>.safetensors} or {@code step-<N>.npz}, one
 * per step. They are decoded into the workload's parameters ({@link ParameterSeries}), not archived.
 */
final class ParameterFileNames implements CheckpointFiles {

    @Override
    public Optional<Part> part(String path) {
        Matcher match = ParameterFiles.FILE.matcher(path);
        return match.matches() ? Optional.of(new Part(Long.parseLong(match.group(1)), path)) : Optional.empty();
    }

    @Override
    public String names() {
        return "step-<N>.safetensors or step-<N>.npz";
    }
}
