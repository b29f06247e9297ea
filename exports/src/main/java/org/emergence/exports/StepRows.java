package org.emergence.exports;

import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Series;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A report's series turned to rows: every step any series has, in order, with each series' value there. */
final class StepRows {

    private StepRows() {
    }

    /** Steps to (series id to value), the ids of a row in the report's series order; a series without a point at a step is absent from its row. */
    static SortedMap<Long, Map<String, Double>> of(GetReportResponse report) {
        SortedMap<Long, Map<String, Double>> rows = new TreeMap<>();
        for (Series series : report.getSeriesList()) {
            for (int i = 0; i < series.getStepsCount(); i++) {
                rows.computeIfAbsent(series.getSteps(i), step -> new LinkedHashMap<>())
                        .put(series.getName(), series.getValues(i));
            }
        }
        return rows;
    }
}
