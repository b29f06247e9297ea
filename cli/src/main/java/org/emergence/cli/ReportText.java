package org.emergence.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Milestone;
import org.emergence.proto.v1.Provenance;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;
import org.emergence.proto.v1.Transition;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An experiment report for people: when abilities appeared and which signal moved first. Every
 * name it prints comes from the report: the workload's summary and milestones, and the catalogue
 * entries (display name, unit, group, headline) of its series.
 */
final class ReportText {

    private final GetReportResponse report;
    private final Map<String, SeriesDescriptor> catalogue;
    private final Map<String, Transition> transitions;

    ReportText(GetReportResponse report) {
        this.report = report;
        this.catalogue = report.getCatalogueList().stream()
                .collect(Collectors.toMap(SeriesDescriptor::getId, Function.identity(), (a, b) -> a));
        this.transitions = report.getTransitionsList().stream()
                .collect(Collectors.toMap(Transition::getSeries, Function.identity(), (a, b) -> a));
    }

    /** The report as every command that ends in one prints it: one JSON document with {@code json}, else text. */
    static void print(GetReportResponse report, boolean json, PrintStream out) {
        if (!json) {
            new ReportText(report).print(out);
            return;
        }
        try {
            out.println(JsonFormat.printer().print(report));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a report always prints as JSON", e);
        }
    }

    void print(PrintStream out) {
        out.printf("%nExperiment %s (%s): %s%n", report.getExperimentId(), report.getName(), report.getState().name()
                .replace("EXPERIMENT_STATE_", "").toLowerCase(Locale.ROOT));
        out.printf("  %s%n", report.getWorkload());
        out.printf(Locale.ROOT, "  %d steps, seed %d; %.1f s wall, %.1f ms per training step, %d of %d checkpoints analysed%n",
                report.getRun().getSteps(), report.getRun().getSeed(), Durations.toMillis(report.getWallTime()) / 1000.0,
                Durations.toNanos(report.getStepTime()) / 1e6, report.getCheckpointsAnalysed(),
                report.getCheckpointsWritten());
        if (!report.getMessage().isBlank()) {
            out.printf("  %s%n", report.getMessage());
        }
        printProvenance(out);
        out.println();
        out.println("Milestones");
        for (Milestone m : report.getMilestonesList()) {
            out.printf("  %-34s %s%n", m.getDisplayName(), m.getReached() ? "step " + m.getStep() : "not reached");
        }
        out.println();
        out.printf("Series (last value; transition: change point over checkpoints; lead: steps before %s's)%n",
                displayName(report.getReferenceSeries()));
        // The label column fits the longest label, so the figures line up.
        int width = report.getSeriesList().stream().mapToInt(s -> label(s.getName()).length()).max().orElse(0);
        String labels = "  %-" + Math.max(1, width) + "s";
        out.printf(labels + " %10s %8s %10s %10s %8s%n", "", "last", "step", "size", "confidence", "lead");
        groups().forEach((group, series) -> {
            out.println(group);
            for (Series s : series) {
                out.printf(Locale.ROOT, labels + " %10.4g %s%n", label(s.getName()),
                        s.getValuesCount() == 0 ? Double.NaN : s.getValues(s.getValuesCount() - 1),
                        transition(s.getName()));
            }
        });
    }

    /** Which build, engine, threads and machine trained the run, and which gateway reported it (--json has every field). */
    private void printProvenance(PrintStream out) {
        if (report.getProvenance().hasTrainer()) {
            Provenance t = report.getProvenance().getTrainer();
            out.printf(Locale.ROOT, "  trained by emergence %s; %s on %s, %d intra-op and %d inter-op threads%n",
                    build(t), t.getEnginesList().stream().map(e -> e.getName() + " " + e.getVersion())
                            .collect(Collectors.joining(", ")), t.getDevice(), t.getIntraOpThreads(), t.getInterOpThreads());
            out.printf(Locale.ROOT, "  on Java %s, %s, %s, %d cores, %.1f GiB heap%n", t.getJavaVersion(), t.getOs(),
                    t.getCpuModel(), t.getLogicalCores(), t.getMaxHeapBytes() / (double) (1L << 30));
        }
        if (report.getProvenance().hasGateway()) {
            out.printf("  reported by gateway %s%n", build(report.getProvenance().getGateway()));
        }
    }

    /** Version and commit, the commit shortened as git shortens it. */
    private static String build(Provenance p) {
        String commit = p.getCommit().length() == 40 ? p.getCommit().substring(0, 12) : p.getCommit();
        return p.getVersion() + " (commit " + commit + ")";
    }

    /**
     * The report's series by catalogue group: the reference series' group first, then the groups
     * of headline series; headline series first within a group, catalogue order otherwise.
     */
    private Map<String, List<Series>> groups() {
        String reference = group(report.getReferenceSeries());
        List<Series> ordered = new ArrayList<>(report.getSeriesList());
        ordered.sort(Comparator.comparing((Series s) -> !group(s.getName()).equals(reference))
                .thenComparing(s -> !headline(s.getName())).thenComparingInt(s -> rank(s.getName())));
        Map<String, List<Series>> groups = new LinkedHashMap<>();
        for (Series s : ordered) {
            groups.computeIfAbsent(group(s.getName()), g -> new ArrayList<>()).add(s);
        }
        return groups;
    }

    private String group(String id) {
        return catalogue.containsKey(id) ? catalogue.get(id).getGroup() : "Not in the catalogue";
    }

    private boolean headline(String id) {
        return catalogue.containsKey(id) && catalogue.get(id).getHeadline();
    }

    /** Place in the report's catalogue; series without an entry last. */
    private int rank(String id) {
        int index = report.getCatalogueList().indexOf(catalogue.get(id));
        return index < 0 ? Integer.MAX_VALUE : index;
    }

    private String displayName(String id) {
        return catalogue.containsKey(id) ? catalogue.get(id).getDisplayName() : id;
    }

    /** "Display name (unit)", as the catalogue gives them. */
    private String label(String id) {
        SeriesDescriptor entry = catalogue.get(id);
        return entry == null || entry.getUnit().isBlank() ? displayName(id) : entry.getDisplayName() + " (" + entry.getUnit() + ")";
    }

    private String transition(String id) {
        Transition t = transitions.get(id);
        if (t == null) {
            return String.format("%8s", "-");
        }
        if (!t.getDetected()) {
            return String.format("%8s", "none");
        }
        return String.format(Locale.ROOT, "%8d %10.4g %10.2f %8s", t.getStep(), t.getSize(), t.getConfidence(),
                id.equals(report.getReferenceSeries()) ? "-" : String.valueOf(t.getLeadSteps()));
    }
}
