package org.emergence.exports;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Series;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads an export back with read_export.py under Debian's Python: TFRecord framing and every CRC
 * checked by its own CRC32C, events decoded by google.protobuf against TensorBoard's field numbers,
 * CSV by Python's csv module, JSON by its json module. Nothing of the Java writers is shared.
 */
public final class ExportReader {

    private static final String PYTHON = "/usr/bin/python3";

    private ExportReader() {
    }

    /** A series as read back. */
    public record Points(List<Long> steps, List<Double> values) {
    }

    /** What the reader refused, with its reason. */
    public static final class Refused extends Exception {
        Refused(String reason) {
            super(reason);
        }
    }

    /**
     * The series a reader must find in {@code report}'s export as {@code format}: the report's own,
     * values rounded to float32 for TensorBoard (its scalars' type).
     */
    public static Map<String, Points> expected(GetReportResponse report, ExportFormat format) {
        Map<String, Points> out = new LinkedHashMap<>();
        for (Series s : report.getSeriesList()) {
            out.put(s.getName(), new Points(s.getStepsList(), s.getValuesList().stream()
                    .map(v -> format == ExportFormat.TENSORBOARD ? (double) v.floatValue() : v).toList()));
        }
        return out;
    }

    /** The series of {@code file}, by id. */
    public static Map<String, Points> read(ExportFormat format, Path file)
            throws IOException, InterruptedException, Refused {
        Path script = Files.createTempFile("read_export", ".py");
        try (InputStream in = ExportReader.class.getResourceAsStream("read_export.py")) {
            Files.write(script, in.readAllBytes());
        }
        Path errors = Files.createTempFile("read_export", ".err");
        try {
            Process process = new ProcessBuilder(PYTHON, script.toString(), format.id(), file.toString())
                    .redirectError(errors.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("read_export.py did not finish in 120 s");
            }
            if (process.exitValue() != 0) {
                throw new Refused(Files.readString(errors).strip());
            }
            Map<String, Points> series = new LinkedHashMap<>();
            JsonObject read = JsonParser.parseString(new String(out, StandardCharsets.UTF_8)).getAsJsonObject()
                    .getAsJsonObject("series");
            for (Map.Entry<String, JsonElement> entry : read.entrySet()) {
                List<Long> steps = new ArrayList<>();
                List<Double> values = new ArrayList<>();
                entry.getValue().getAsJsonObject().getAsJsonArray("steps").forEach(s -> steps.add(s.getAsLong()));
                entry.getValue().getAsJsonObject().getAsJsonArray("values").forEach(v -> values.add(v.getAsDouble()));
                series.put(entry.getKey(), new Points(steps, values));
            }
            return series;
        } finally {
            Files.deleteIfExists(script);
            Files.deleteIfExists(errors);
        }
    }
}
