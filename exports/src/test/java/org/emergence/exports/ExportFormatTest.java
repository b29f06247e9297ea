package org.emergence.exports;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every format written, then read back by an independent reader (ExportReader) and compared with the report. */
class ExportFormatTest {

    private static final Instant NOW = Instant.parse("2026-12-02T07:00:00.250Z");
    /** A cloud's name may hold a comma and a quote: the CSV header must quote that id. */
    private static final String ODD_ID = "h1_max.hidden:a,\"b\"";

    /** Series at different steps (one sparse, one past 2^32), values from tiny to large, one id without a catalogue entry. */
    static GetReportResponse report() {
        return GetReportResponse.newBuilder()
                .setExperimentId("exp-0123").setName("grokking p=11").setWorkload("modular addition, p = 11, MLP")
                .setState(ExperimentState.EXPERIMENT_STATE_COMPLETED).setReferenceSeries("test_accuracy")
                .addSeries(series("test_accuracy", new long[] {0, 100, 200, 300}, 0.01, 0.5, 0.95, 1.0))
                .addSeries(series("train_loss", new long[] {0, 100, 200, 300}, 4.6, 1e-3, 3.14159e-7, 12345.678901234))
                .addSeries(series("llc", new long[] {100, 5_000_000_000L}, -2.5, 7.25))
                .addSeries(series(ODD_ID, new long[] {0, 200}, 2.0 / 3, 0.1))
                .addCatalogue(descriptor("test_accuracy", "Test accuracy", "[0, 1]", "Training", true))
                .addCatalogue(descriptor("train_loss", "Train loss", "loss", "Training", true))
                .addCatalogue(descriptor("llc", "Local learning coefficient", "nats", "LLC", false))
                .build();
    }

    private static Series series(String id, long[] steps, double... values) {
        Series.Builder series = Series.newBuilder().setName(id);
        for (int i = 0; i < steps.length; i++) {
            series.addSteps(steps[i]).addValues(values[i]);
        }
        return series.build();
    }

    private static SeriesDescriptor descriptor(String id, String name, String unit, String group, boolean headline) {
        return SeriesDescriptor.newBuilder().setId(id).setDisplayName(name).setUnit(unit).setGroup(group)
                .setHeadline(headline).setDescription("what " + id + " measures").build();
    }

    @Test
    void tensorBoardEventsReadBackWithEveryCrcCheckedAndEqualTheReportInFloat32() throws Exception {
        Path folder = Files.createTempDirectory("export");
        Path file = ExportFormat.TENSORBOARD.writeInto(folder, report(), NOW);
        assertEquals(folder.resolve("exp-0123"), file.getParent(), "a run folder per experiment");
        assertTrue(file.getFileName().toString().matches("events\\.out\\.tfevents\\.1796194800\\..+"), file.toString());
        assertEquals(ExportReader.expected(report(), ExportFormat.TENSORBOARD), ExportReader.read(ExportFormat.TENSORBOARD, file));
    }

    @Test
    void csvReadsBackEqualToTheReport(@TempDir Path folder) throws Exception {
        Path file = ExportFormat.CSV.writeInto(folder, report(), NOW);
        assertEquals(folder.resolve("exp-0123.csv"), file);
        assertEquals(ExportReader.expected(report(), ExportFormat.CSV), ExportReader.read(ExportFormat.CSV, file));
        List<String> lines = Files.readAllLines(file);
        assertEquals("step,test_accuracy,train_loss,llc,\"h1_max.hidden:a,\"\"b\"\"\"", lines.get(0));
        assertEquals(List.of("0", "100", "200", "300", "5000000000"),
                lines.subList(1, lines.size()).stream().map(l -> l.substring(0, l.indexOf(','))).toList(),
                "a row per step after the header, in order");
    }

    @Test
    void jsonReadsBackEqualToTheReportWithEachSeriesCatalogueEntry(@TempDir Path folder) throws Exception {
        GetReportResponse report = report();
        Path file = ExportFormat.JSON.writeInto(folder, report, NOW);
        assertEquals(folder.resolve("exp-0123.json"), file);
        assertEquals(ExportReader.expected(report, ExportFormat.JSON), ExportReader.read(ExportFormat.JSON, file));

        JsonObject document = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        assertEquals("exp-0123", document.get("experiment_id").getAsString());
        assertEquals(report.getName(), document.get("name").getAsString());
        assertEquals(report.getWorkload(), document.get("workload").getAsString());
        assertEquals("EXPERIMENT_STATE_COMPLETED", document.get("state").getAsString());
        assertEquals("test_accuracy", document.get("reference_series").getAsString());
        JsonObject llc = document.getAsJsonArray("series").get(2).getAsJsonObject();
        assertEquals("llc", llc.get("id").getAsString());
        assertEquals("Local learning coefficient", llc.get("display_name").getAsString());
        assertEquals("nats", llc.get("unit").getAsString());
        assertEquals("LLC", llc.get("group").getAsString());
        assertFalse(llc.get("headline").getAsBoolean());
        assertEquals("what llc measures", llc.get("description").getAsString());
        assertFalse(document.getAsJsonArray("series").get(3).getAsJsonObject().has("display_name"),
                "no entry invented for an id the catalogue does not know");
    }

    @Test
    void aReportWithoutSeriesExportsNone(@TempDir Path folder) throws Exception {
        GetReportResponse empty = GetReportResponse.newBuilder().setExperimentId("exp-empty").build();
        for (ExportFormat format : ExportFormat.values()) {
            assertEquals(Map.of(), ExportReader.read(format, format.writeInto(folder, empty, NOW)), format.id());
        }
    }

    /** The reader is known to check: one flipped bit anywhere in a length, a CRC or the data is refused. */
    @Test
    void aCorruptedByteIsDetectedByTheReader(@TempDir Path folder) throws Exception {
        byte[] clean = ExportFormat.TENSORBOARD.bytes(report(), NOW);
        int secondRecord = 12 + (int) littleEndianLong(clean) + 4;
        int[] offsets = {0, 9, 12 + 3, secondRecord + 12 + 5, clean.length - 1};
        String[] reasons = {"length CRC mismatch", "length CRC mismatch", "data CRC mismatch", "data CRC mismatch",
                "data CRC mismatch"};
        for (int i = 0; i < offsets.length; i++) {
            byte[] corrupted = clean.clone();
            corrupted[offsets[i]] ^= 0x10;
            Path file = Files.write(folder.resolve("corrupted-" + i), corrupted);
            ExportReader.Refused refused = assertThrows(ExportReader.Refused.class,
                    () -> ExportReader.read(ExportFormat.TENSORBOARD, file), "byte " + offsets[i]);
            assertTrue(refused.getMessage().contains(reasons[i]), offsets[i] + ": " + refused.getMessage());
        }
    }

    private static long littleEndianLong(byte[] bytes) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (bytes[i] & 0xff);
        }
        return value;
    }

    @Test
    void formatsAreNamedAsTheCliAndTheHttpApiTakeThem() {
        assertEquals(ExportFormat.TENSORBOARD, ExportFormat.named(" TensorBoard "));
        assertEquals(ExportFormat.CSV, ExportFormat.named("csv"));
        assertEquals(ExportFormat.JSON, ExportFormat.named("json"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ExportFormat.named("xml"));
        assertEquals("one of tensorboard, csv, json, not \"xml\"", unknown.getMessage());
    }
}
