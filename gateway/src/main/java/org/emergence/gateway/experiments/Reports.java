package org.emergence.gateway.experiments;

import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.DetectTransitionsRequest;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ListExperimentsResponse;
import org.emergence.proto.v1.Milestone;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.StepProgress;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Builds an experiment's report (its series, the headline milestones and the transitions) and the list of experiments. */
public final class Reports {

    /** Transitions are lined up against this series: the ability everything else should precede. */
    static final String REFERENCE_SERIES = "test_accuracy";
    /** Two segments of three checkpoints: fewer points give no meaningful change point. */
    static final int MIN_CHECKPOINTS_FOR_TRANSITIONS = 6;

    private final Backends backends;

    public Reports(Backends backends) {
        this.backends = backends;
    }

    public GetReportResponse report(org.emergence.gateway.experiments.Experiment experiment) {
        ExperimentRecord record = experiment.record();
        List<StepProgress> progress = experiment.progress();
        List<CheckpointAnalysed> analyses = experiment.analyses();
        List<Series> series = series(analyses);
        GetReportResponse.Builder report = GetReportResponse.newBuilder()
                .setExperimentId(record.id())
                .setRunId(record.runId())
                .setState(record.state())
                .setRun(record.run())
                .addAllSeries(series)
                .addMilestones(milestone("train_accuracy_1", progress, p -> p.getTrainAccuracy() >= 1.0))
                .addMilestones(milestone("test_accuracy_0.5", progress, p -> p.getEvaluated() && p.getTestAccuracy() >= 0.5))
                .addMilestones(milestone("test_accuracy_0.95", progress, p -> p.getEvaluated() && p.getTestAccuracy() >= 0.95))
                .setCheckpointsWritten(experiment.checkpointsWritten())
                .setCheckpointsAnalysed(analyses.size())
                .setWallTime(Durations.fromMillis(wallMillis(record)))
                .setStepTime(Durations.fromNanos(Math.round(progress.stream()
                        .mapToLong(p -> Durations.toNanos(p.getStepTime())).filter(v -> v > 0).average().orElse(0))));
        List<Series> longEnough = series.stream()
                .filter(s -> s.getStepsCount() >= MIN_CHECKPOINTS_FOR_TRANSITIONS).toList();
        if (longEnough.stream().anyMatch(s -> s.getName().equals(REFERENCE_SERIES))) {
            report.addAllTransitions(backends.metrics().withDeadlineAfter(60, TimeUnit.SECONDS)
                    .detectTransitions(DetectTransitionsRequest.newBuilder()
                            .addAllSeries(longEnough).setReferenceSeries(REFERENCE_SERIES).build())
                    .getTransitionsList());
        }
        return report.build();
    }

    /** The experiments, oldest first. */
    public static ListExperimentsResponse list(List<org.emergence.gateway.experiments.Experiment> experiments) {
        ListExperimentsResponse.Builder response = ListExperimentsResponse.newBuilder();
        experiments.stream().sorted(Comparator.comparingLong(e -> e.record().createdMillis()))
                .forEach(e -> response.addExperiments(experiment(e)));
        return response.build();
    }

    /** The experiment resource as the API returns it. */
    public static Experiment experiment(org.emergence.gateway.experiments.Experiment experiment) {
        ExperimentRecord r = experiment.record();
        Experiment.Builder out = Experiment.newBuilder().setExperimentId(r.id()).setName(r.name()).setState(r.state())
                .setMessage(r.message()).setRunId(r.runId()).setRun(r.run()).setPlan(r.plan())
                .setCreateTime(Timestamps.fromMillis(r.createdMillis()))
                .setCheckpointsWritten(experiment.checkpointsWritten())
                .setCheckpointsAnalysed(experiment.analyses().size());
        if (r.finishedMillis() > 0) {
            out.setFinishTime(Timestamps.fromMillis(r.finishedMillis()));
        }
        return out.build();
    }

    /** One series per scalar name, over the analysed checkpoints in step order. */
    static List<Series> series(List<CheckpointAnalysed> analyses) {
        Map<String, Series.Builder> byName = new TreeMap<>();
        for (CheckpointAnalysed analysis : analyses) {
            analysis.getScalarsMap().forEach((name, value) -> byName
                    .computeIfAbsent(name, n -> Series.newBuilder().setName(n))
                    .addSteps(analysis.getStep()).addValues(value));
        }
        return byName.values().stream().map(Series.Builder::build).toList();
    }

    private static Milestone milestone(String name, List<StepProgress> progress, Predicate<StepProgress> reached) {
        return progress.stream().filter(reached).findFirst()
                .map(p -> Milestone.newBuilder().setName(name).setReached(true).setStep(p.getStep()).build())
                .orElse(Milestone.newBuilder().setName(name).setReached(false).build());
    }

    private static long wallMillis(ExperimentRecord record) {
        long end = record.finishedMillis() > 0 ? record.finishedMillis() : System.currentTimeMillis();
        return end - record.createdMillis();
    }
}
