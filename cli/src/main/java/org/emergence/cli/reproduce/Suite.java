package org.emergence.cli.reproduce;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.emergence.cli.ExperimentProgress;
import org.emergence.cli.GatewayToken;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentFinished;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.emergence.proto.v1.WatchExperimentRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The running suite a claim is checked through, all at the gateway: experiments, and the
 * measurement services for the analyses that are not per checkpoint (an LLC at one checkpoint, a
 * bifurcation scan). With a token, every call carries it.
 */
public final class Suite implements AutoCloseable {

    private final ManagedChannel gateway;
    private final Channel authenticated;

    /** @param token the caller's tenant's token, if the gateway has tenants */
    public Suite(ManagedChannelBuilder<?> gateway, GatewayToken token) {
        this.gateway = gateway.build();
        this.authenticated = token.authenticate(this.gateway);
    }

    public ExperimentServiceGrpc.ExperimentServiceBlockingStub experiments() {
        return ExperimentServiceGrpc.newBlockingStub(authenticated);
    }

    public MetricsServiceGrpc.MetricsServiceBlockingStub metrics() {
        return MetricsServiceGrpc.newBlockingStub(authenticated);
    }

    public TdaServiceGrpc.TdaServiceBlockingStub tda() {
        return TdaServiceGrpc.newBlockingStub(authenticated);
    }

    /**
     * Runs one experiment to its end with its progress on stderr under {@code label}, and returns
     * its report and every progress event (the report's series are per checkpoint; progress is per
     * evaluation, denser).
     *
     * @throws ExperimentFailed when the experiment does not complete (failed, stopped, or with
     *                          checkpoints left unanalysed), with the gateway's reason
     */
    public Outcome experiment(String label, RunConfig run, AnalysisPlan plan) {
        Experiment created = experiments().createExperiment(CreateExperimentRequest.newBuilder()
                .setName(label).setRun(run).setPlan(plan).build());
        List<StepProgress> progress = new ArrayList<>();
        ExperimentFinished finished = ExperimentProgress.follow(label, run.getSteps(), experiments().watchExperiment(
                WatchExperimentRequest.newBuilder().setExperimentId(created.getExperimentId()).build()), progress::add);
        if (finished.getState() != ExperimentState.EXPERIMENT_STATE_COMPLETED) {
            throw new ExperimentFailed(label + " ended " + finished.getState().name()
                    .replace("EXPERIMENT_STATE_", "") + ": " + finished.getMessage());
        }
        return new Outcome(experiments().withDeadlineAfter(120, TimeUnit.SECONDS)
                .getReport(GetReportRequest.newBuilder().setExperimentId(created.getExperimentId()).build()), progress);
    }

    /** A completed experiment: its report and its progress events in order. */
    public record Outcome(GetReportResponse report, List<StepProgress> progress) {

        /** The report's series {@code id} as [steps, values]; empty arrays if the report has none. */
        public double[][] series(String id) {
            return report.getSeriesList().stream().filter(s -> s.getName().equals(id)).findFirst()
                    .map(s -> new double[][]{s.getStepsList().stream().mapToDouble(Long::doubleValue).toArray(),
                            s.getValuesList().stream().mapToDouble(Double::doubleValue).toArray()})
                    .orElse(new double[][]{new double[0], new double[0]});
        }
    }

    /** An experiment of a claim that did not complete: the claim cannot be judged. */
    public static final class ExperimentFailed extends RuntimeException {
        ExperimentFailed(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        gateway.shutdownNow();
    }
}
