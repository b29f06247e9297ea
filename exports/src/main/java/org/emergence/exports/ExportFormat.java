package org.emergence.exports;

import org.emergence.proto.v1.GetReportResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The formats an experiment's report is exported in, by the names the CLI's {@code --format} and
 * the HTTP API's {@code format} take. Every series is exported under its catalogue id, one point
 * per analysed checkpoint step (docs/export.md).
 */
public enum ExportFormat {

    /** A TensorBoard event file: one scalar summary per series and step (float32, as TensorBoard keeps them). */
    TENSORBOARD("tensorboard", "application/octet-stream"),
    /** Wide CSV: a row per step, a column per series, empty where a series has no point at that step. */
    CSV("csv", "text/csv"),
    /** One JSON document: the experiment's identity and every series with its catalogue entry. */
    JSON("json", "application/json");

    private final String id;
    private final String mediaType;

    ExportFormat(String id, String mediaType) {
        this.id = id;
        this.mediaType = mediaType;
    }

    /**
     * The format called {@code name} (case and surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the formats there are
     */
    public static ExportFormat named(String name) {
        String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(f -> f.id.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("one of " + names() + ", not \"" + name + "\""));
    }

    /** Every format's name, as {@link #named} takes them: "tensorboard, csv, json". */
    public static String names() {
        return Arrays.stream(values()).map(ExportFormat::id).collect(Collectors.joining(", "));
    }

    public String id() {
        return id;
    }

    public String mediaType() {
        return mediaType;
    }

    /**
     * The file's name: TensorBoard's own pattern {@code events.out.tfevents.<secs>.<host>} (its
     * loader reads files by it), else the experiment id with the format's extension.
     */
    public String fileName(GetReportResponse report, Instant now) {
        return this == TENSORBOARD ? TensorBoardEvents.fileName(now) : report.getExperimentId() + "." + id;
    }

    /** Writes {@code report} in this format; {@code now} is the TensorBoard events' wall time. */
    public void write(GetReportResponse report, Instant now, OutputStream out) throws IOException {
        switch (this) {
            case TENSORBOARD -> TensorBoardEvents.write(report, now, out);
            case CSV -> CsvTable.write(report, out);
            case JSON -> JsonDocument.write(report, out);
        }
    }

    public byte[] bytes(GetReportResponse report, Instant now) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(report, now, out);
        } catch (IOException e) {
            throw new IllegalStateException("a byte array does not fail to write", e);
        }
        return out.toByteArray();
    }

    /**
     * Writes the export into {@code folder} (created if missing) and returns the file written. An
     * event file goes into a subfolder named by the experiment id, because TensorBoard, W&B and
     * Aim name a run by the folder its event files are in: {@code --logdir folder} then shows
     * every experiment exported there as its own run.
     */
    public Path writeInto(Path folder, GetReportResponse report, Instant now) throws IOException {
        Path dir = this == TENSORBOARD ? folder.resolve(report.getExperimentId()) : folder;
        Files.createDirectories(dir);
        Path file = dir.resolve(fileName(report, now));
        try (OutputStream out = Files.newOutputStream(file)) {
            write(report, now, out);
        }
        return file;
    }
}
