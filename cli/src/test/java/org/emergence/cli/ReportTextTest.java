package org.emergence.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import org.emergence.proto.v1.EngineVersion;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Milestone;
import org.emergence.proto.v1.Provenance;
import org.emergence.proto.v1.ReportProvenance;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;
import org.emergence.proto.v1.Transition;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text report knows no series of its own: names, units and groups come from the report's
 * catalogue entries, milestones by their display names, the header from the workload summary.
 * The ids here are made up, so nothing but the catalogue can supply their names.
 */
class ReportTextTest {

    private static SeriesDescriptor entry(String id, String name, String unit, String group, boolean headline) {
        return SeriesDescriptor.newBuilder().setId(id).setDisplayName(name).setUnit(unit).setGroup(group)
                .setHeadline(headline).build();
    }

    private static Series series(String id, double last) {
        return Series.newBuilder().setName(id).addSteps(0).addValues(0).addSteps(10).addValues(last).build();
    }

    @Test
    void printsEverySeriesByItsCatalogueEntryGroupedHeadlineFirst() {
        GetReportResponse report = GetReportResponse.newBuilder()
                .setExperimentId("exp-1").setName("named").setState(ExperimentState.EXPERIMENT_STATE_COMPLETED)
                .setWorkload("a toy workload, one line").setReferenceSeries("ability")
                .addSeries(series("ability", 0.9)).addSeries(series("quiet_probe", 3)).addSeries(series("loud_probe", 2))
                .addCatalogue(entry("quiet_probe", "Quiet probe", "bits", "Group B", false))
                .addCatalogue(entry("ability", "The ability", "[0, 1]", "Group A", true))
                .addCatalogue(entry("loud_probe", "Loud probe", "count", "Group B", true))
                .addMilestones(Milestone.newBuilder().setName("ability_0.5").setDisplayName("Ability reached half")
                        .setReached(true).setStep(10))
                .addTransitions(Transition.newBuilder().setSeries("ability").setDetected(true).setStep(10).setSize(0.9)
                        .setConfidence(0.8))
                .addTransitions(Transition.newBuilder().setSeries("loud_probe").setDetected(false))
                .build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new ReportText(report).print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);

        assertTrue(text.contains("a toy workload, one line"), text);
        assertTrue(text.contains("Ability reached half") && !text.contains("ability_0.5"), text);
        assertTrue(text.contains("lead: steps before The ability's"), text);
        List<String> lines = text.lines().map(String::strip).toList();
        int groupA = lines.indexOf("Group A");
        int groupB = lines.indexOf("Group B");
        assertTrue(groupA >= 0 && groupB > groupA, "groups, the one with the first headline series first: " + text);
        assertTrue(lines.get(groupA + 1).startsWith("The ability ([0, 1])"), text);
        assertTrue(lines.get(groupB + 1).startsWith("Loud probe (count)") && lines.get(groupB + 1).endsWith("none"),
                "headline series first within its group: " + text);
        assertTrue(lines.get(groupB + 2).startsWith("Quiet probe (bits)"), text);
        for (String id : List.of("quiet_probe", "loud_probe")) {
            assertFalse(text.contains(id), "ids never shown where the catalogue names them: " + id);
        }
        assertEquals(1, text.lines().filter(l -> l.contains("The ability ([0, 1])")).count(), text);
    }

    @Test
    void statesWhatTrainedTheRunAndWhatReportedIt() throws InvalidProtocolBufferException {
        Provenance trainer = Provenance.newBuilder().setVersion("1.2.3").setCommit("0123456789abcdef0123456789abcdef01234567")
                .setJavaVersion("25.0.1").setOs("Linux 6.12 amd64").setCpuModel("Some CPU").setLogicalCores(4)
                .setMaxHeapBytes(2L << 30).setIntraOpThreads(1).setInterOpThreads(2).setDevice("cpu()")
                .addEngines(EngineVersion.newBuilder().setName("DJL").setVersion("0.35.1"))
                .addEngines(EngineVersion.newBuilder().setName("PyTorch").setVersion("2.7.1")).build();
        GetReportResponse report = GetReportResponse.newBuilder().setExperimentId("exp-1")
                .setProvenance(ReportProvenance.newBuilder().setTrainer(trainer)
                        .setGateway(Provenance.newBuilder().setVersion("1.2.4").setCommit("unknown"))).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new ReportText(report).print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().map(String::strip).toList();

        assertTrue(lines.contains("trained by emergence 1.2.3 (commit 0123456789ab); DJL 0.35.1, PyTorch 2.7.1 on cpu(), "
                + "1 intra-op and 2 inter-op threads"), lines.toString());
        assertTrue(lines.contains("on Java 25.0.1, Linux 6.12 amd64, Some CPU, 4 cores, 2.0 GiB heap"), lines.toString());
        assertTrue(lines.contains("reported by gateway 1.2.4 (commit unknown)"), lines.toString());

        ByteArrayOutputStream json = new ByteArrayOutputStream();
        ReportText.print(report, true, new PrintStream(json, true, StandardCharsets.UTF_8));
        GetReportResponse.Builder parsed = GetReportResponse.newBuilder();
        JsonFormat.parser().merge(json.toString(StandardCharsets.UTF_8), parsed);
        assertEquals(report.getProvenance(), parsed.getProvenance(), "--json carries every provenance field");
    }
}
