package org.emergence.exports;

import com.google.gson.stream.JsonWriter;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The JSON export: the experiment's identity and its series, each with its catalogue entry and its
 * points as two arrays of numbers. Unlike the report's proto3 JSON, steps are numbers (not int64
 * strings) and every series carries its own display name and unit, so a script plots it without
 * the API's types: {@code pandas.DataFrame({"step": s["steps"], s["id"]: s["values"]})}.
 */
final class JsonDocument {

    private JsonDocument() {
    }

    static void write(GetReportResponse report, OutputStream out) throws IOException {
        Map<String, SeriesDescriptor> catalogue = report.getCatalogueList().stream()
                .collect(Collectors.toMap(SeriesDescriptor::getId, Function.identity(), (a, b) -> a));
        // Compact (a series of thousands of points is one line, not thousands); jq or json.tool indents it.
        Writer text = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        JsonWriter json = new JsonWriter(text);
        json.beginObject()
                .name("experiment_id").value(report.getExperimentId())
                .name("name").value(report.getName())
                .name("workload").value(report.getWorkload())
                .name("state").value(report.getState().name())
                .name("reference_series").value(report.getReferenceSeries());
        json.name("series").beginArray();
        for (Series series : report.getSeriesList()) {
            json.beginObject().name("id").value(series.getName());
            SeriesDescriptor entry = catalogue.get(series.getName());
            if (entry != null) {
                json.name("display_name").value(entry.getDisplayName())
                        .name("unit").value(entry.getUnit())
                        .name("group").value(entry.getGroup())
                        .name("headline").value(entry.getHeadline())
                        .name("description").value(entry.getDescription());
            }
            json.name("steps").beginArray();
            for (long step : series.getStepsList()) {
                json.value(step);
            }
            json.endArray().name("values").beginArray();
            for (double value : series.getValuesList()) {
                json.value(value);
            }
            json.endArray().endObject();
        }
        json.endArray().endObject().flush();
        text.write('\n');
        text.flush();
    }
}
