package org.emergence.trainer.imports;

import org.emergence.proto.grpc.RequestException;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** TorchScript checkpoints: one archive per step, {@code step-<N>.pt}, as torch.jit.save writes it. */
final class TorchScriptFiles implements ModelFiles {

    private static final Pattern FILE = Pattern.compile("step-(\\d{1,18})\\.pt");

    @Override
    public Optional<Part> part(String path) {
        Matcher match = FILE.matcher(path);
        return match.matches() ? Optional.of(new Part(Long.parseLong(match.group(1)), path)) : Optional.empty();
    }

    @Override
    public String names() {
        return "step-<N>.pt";
    }

    @Override
    public byte[] archive(Path checkpoint, String name, ImportLimits limits) {
        byte[] archive = ImportedSeries.bytes(checkpoint, name, limits);
        if (archive.length < 4 || archive[0] != 'P' || archive[1] != 'K' || archive[2] != 3 || archive[3] != 4) {
            throw RequestException.invalid("chunk.data", name + " is not a TorchScript archive: it lacks the zip "
                    + "signature torch.jit.save writes (wrong magic)");
        }
        return archive;
    }
}
