package org.emergence.gateway.experiments;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import org.emergence.proto.provenance.Provenances;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.DescribeSeriesRequest;
import org.emergence.proto.v1.DetectTransitionsRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Milestone;
import org.emergence.proto.v1.MilestoneSpec;
import org.emergence.proto.v1.Provenance;
import org.emergence.proto.v1.ReportProvenance;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.WorkloadDescription;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Builds an experiment's report: its series, the milestones and reference series its workload
 * names, the transitions lined up against that reference, and the catalogue entries of every
 * series in it (asked of the metrics service once per id, then kept: the catalogue is static),
 * and the provenance of the trainer that trained it and of this gateway.
 */
public final class Reports {

    private static final Provenance GATEWAY = Provenances.thisProcess().build();

    private final Backends backends;
    private final Map<String, SeriesDescriptor> catalogue = new ConcurrentHashMap<>();

    public Reports(Backends backends) {
        this.backends = backends;
    }

    public GetReportResponse report(org.emergence.gateway.experiments.Experiment experiment) {
        ExperimentRecord record = experiment.record();
        WorkloadDescription workload = record.workload();
        List<StepProgress> progress = experiment.progress();
        List<CheckpointAnalysed> analyses = experiment.analyses();
        List<Series> series = series(analyses);
        GetReportResponse.Builder report = GetReportResponse.newBuilder()
                .setExperimentId(record.id())
                .setName(record.name())
                .setRunId(record.runId())
                .setState(record.state())
                .setMessage(record.message())
                .setRun(record.run())
                .setWorkload(workload.getSummary())
                .setReferenceSeries(workload.getReferenceSeries())
                .addAllSeries(series)
                .addAllCatalogue(describe(series.stream().map(Series::getName).toList()))
                .setCheckpointsWritten(experiment.checkpointsWritten())
                .setCheckpointsAnalysed(analyses.size())
                .setWallTime(Durations.fromMillis(wallMillis(record)))
                .setStepTime(Durations.fromNanos(Math.round(progress.stream()
                        .mapToLong(p -> Durations.toNanos(p.getStepTime())).filter(v -> v > 0).average().orElse(0))));
        workload.getMilestonesList().forEach(spec -> report.addMilestones(milestone(spec, progress)));
        ReportProvenance.Builder provenance = report.getProvenanceBuilder().setGateway(GATEWAY);
        if (!record.trainerProvenance().equals(Provenance.getDefaultInstance())) {
            provenance.setTrainer(record.trainerProvenance());
        }
        // Every series goes; the detector itself says "no transition" for one too short to have any.
        if (series.stream().anyMatch(s -> s.getName().equals(workload.getReferenceSeries()))) {
            report.addAllTransitions(backends.metrics().withDeadlineAfter(60, TimeUnit.SECONDS)
                    .detectTransitions(DetectTransitionsRequest.newBuilder()
                            .addAllSeries(series).setReferenceSeries(workload.getReferenceSeries()).build())
                    .getTransitionsList());
        }
        return report.build();
    }

    /** The catalogue entries of {@code ids}, in that order; ids the catalogue does not know have none. */
    private List<SeriesDescriptor> describe(List<String> ids) {
        List<String> missing = ids.stream().filter(id -> !catalogue.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            backends.metrics().withDeadlineAfter(30, TimeUnit.SECONDS)
                    .describeSeries(DescribeSeriesRequest.newBuilder().addAllIds(missing).build())
                    .getSeriesList().forEach(d -> catalogue.put(d.getId(), d));
        }
        List<SeriesDescriptor> out = new ArrayList<>();
        ids.stream().map(catalogue::get).filter(d -> d != null).forEach(out::add);
        return out;
    }

    /** The experiment resource as the API returns it. */
    public static Experiment experiment(org.emergence.gateway.experiments.Experiment experiment) {
        ExperimentRecord r = experiment.record();
        Experiment.Builder out = Experiment.newBuilder().setExperimentId(r.id()).setName(r.name()).setState(r.state())
                .setMessage(r.message()).setRunId(r.runId()).setRun(r.run()).setPlan(r.plan()).setGroupId(r.groupId())
                .setCreateTime(Timestamps.fromMillis(r.createdMillis()))
                .setCheckpointsWritten(experiment.checkpointsWritten())
                .setCheckpointsAnalysed(experiment.analyses().size());
        if (r.finishedMillis() > 0) {
            out.setFinishTime(Timestamps.fromMillis(r.finishedMillis()));
        }
        return out.build();
    }

    /**
     * One series per scalar name, over the analysed checkpoints in step order. A non-finite value
     * (accuracy of a regression, a probe that could not measure) is no point of the series.
     */
    static List<Series> series(List<CheckpointAnalysed> analyses) {
        Map<String, Series.Builder> byName = new TreeMap<>();
        for (CheckpointAnalysed analysis : analyses) {
            analysis.getScalarsMap().forEach((name, value) -> {
                if (Double.isFinite(value)) {
                    byName.computeIfAbsent(name, n -> Series.newBuilder().setName(n))
                            .addSteps(analysis.getStep()).addValues(value);
                }
            });
        }
        return byName.values().stream().map(Series.Builder::build).toList();
    }

    /** The first progress step at which the spec's series reached its threshold (from below, or from above if falling). */
    static Milestone milestone(MilestoneSpec spec, List<StepProgress> progress) {
        Milestone.Builder out = Milestone.newBuilder().setName(spec.getName()).setDisplayName(spec.getDisplayName())
                .setSeries(spec.getSeries()).setThreshold(spec.getThreshold());
        for (StepProgress p : progress) {
            OptionalDouble value = value(p, spec.getSeries());
            if (value.isPresent() && (spec.getFalling() ? value.getAsDouble() <= spec.getThreshold()
                    : value.getAsDouble() >= spec.getThreshold())) {
                return out.setReached(true).setStep(p.getStep()).build();
            }
        }
        return out.setReached(false).build();
    }

    /** A progress figure by its series id; test figures only where the step was evaluated. */
    private static OptionalDouble value(StepProgress p, String series) {
        return switch (series) {
            case "train_loss" -> OptionalDouble.of(p.getTrainLoss());
            case "train_accuracy" -> OptionalDouble.of(p.getTrainAccuracy());
            case "test_loss" -> p.getEvaluated() ? OptionalDouble.of(p.getTestLoss()) : OptionalDouble.empty();
            case "test_accuracy" -> p.getEvaluated() ? OptionalDouble.of(p.getTestAccuracy()) : OptionalDouble.empty();
            default -> p.getMetricsMap().containsKey(series)
                    ? OptionalDouble.of(p.getMetricsMap().get(series)) : OptionalDouble.empty();
        };
    }

    private static long wallMillis(ExperimentRecord record) {
        long end = record.finishedMillis() > 0 ? record.finishedMillis() : System.currentTimeMillis();
        return end - record.createdMillis();
    }
}
