package org.emergence.exports;

import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Series;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The wide CSV export: a header {@code step,<id>,...}, then a row per step. Wide rather than long
 * because a row per checkpoint is what a spreadsheet or {@code pandas.read_csv(..., index_col="step")}
 * plots directly. Values print as Java's shortest round-trip decimal, so they parse back to the same
 * double; a cell is empty where its series has no point at the row's step.
 */
final class CsvTable {

    private CsvTable() {
    }

    static void write(GetReportResponse report, OutputStream out) throws IOException {
        List<String> ids = report.getSeriesList().stream().map(Series::getName).toList();
        Writer csv = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        csv.write("step");
        for (String id : ids) {
            csv.write(',');
            csv.write(field(id));
        }
        csv.write('\n');
        for (Map.Entry<Long, Map<String, Double>> row : StepRows.of(report).entrySet()) {
            csv.write(Long.toString(row.getKey()));
            for (String id : ids) {
                csv.write(',');
                Double value = row.getValue().get(id);
                if (value != null) {
                    csv.write(Double.toString(value));
                }
            }
            csv.write('\n');
        }
        csv.flush();
    }

    /** RFC 4180 quoting, for ids whose qualifier (a cloud's name) holds a comma, quote or line break. */
    private static String field(String text) {
        return text.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')
                ? '"' + text.replace("\"", "\"\"") + '"' : text;
    }
}
