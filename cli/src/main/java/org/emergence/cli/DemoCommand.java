package org.emergence.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import org.emergence.proto.configs.DemoRun;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WatchExperimentRequest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The demo: one grokking experiment through the gateway, with progress on the terminal and a
 * readable report (or one JSON document) at the end. The run is the canonical demo config
 * ({@link DemoRun}), with any flags given applied on top.
 */
@Command(name = "emergence demo", mixinStandardHelpOptions = true,
        description = "Runs a grokking experiment through the gateway and reports when abilities emerged.")
public final class DemoCommand implements Callable<Integer> {

    @Mixin
    SuiteOptions services = new SuiteOptions();

    @Option(names = "--json", description = "Print the report as one JSON document instead of text")
    boolean json;

    // Unset flags keep the canonical demo config's values (DemoRun); each set flag overrides one field.
    @Option(names = "--modulus", description = "p")
    Integer modulus;

    @Option(names = "--train-fraction", description = "Share of pairs trained on")
    Double trainFraction;

    @Option(names = "--variant", description = "MLP or TRANSFORMER")
    String variant;

    @Option(names = "--steps", description = "Training steps")
    Long steps;

    @Option(names = "--lr", description = "Learning rate")
    Double learningRate;

    @Option(names = "--seed", description = "Seed")
    Long seed;

    @Option(names = "--per-decade", description = "Checkpoints per decade of steps")
    Integer perDecade;

    @Option(names = "--eval-every", description = "Test evaluation interval in steps")
    Long evalEvery;

    public static void main(String[] args) {
        // gRPC's start-up notes stay off the terminal (the launcher names the log manager).
        java.util.logging.Logger.getLogger("io.grpc").setLevel(java.util.logging.Level.WARNING);
        System.exit(new CommandLine(new DemoCommand()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        ManagedChannel channel = services.awaitGatewayChannel().build();
        try {
            var experiments = ExperimentServiceGrpc.newBlockingStub(channel);
            RunConfig run = run();
            Experiment created = experiments.createExperiment(CreateExperimentRequest.newBuilder()
                    .setName("grokking demo").setRun(run).setPlan(AnalysisPlan.getDefaultInstance()).build());
            ExperimentProgress.follow("training", run.getSteps(), experiments.watchExperiment(
                    WatchExperimentRequest.newBuilder().setExperimentId(created.getExperimentId()).build()));
            GetReportResponse report = experiments.withDeadlineAfter(120, TimeUnit.SECONDS)
                    .getReport(GetReportRequest.newBuilder().setExperimentId(created.getExperimentId()).build());
            ReportText.print(report, json, System.out);
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println("emergence demo: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }

    /** The demo config with the flags that were given applied. */
    RunConfig run() {
        RunConfig.Builder run = DemoRun.config().toBuilder();
        ModularAdditionConfig.Builder task = run.getWorkloadBuilder().getModularAdditionBuilder();
        if (modulus != null) task.setModulus(modulus);
        if (trainFraction != null) task.setTrainFraction(trainFraction);
        if (variant != null) {
            task.setVariant(ModularAdditionVariant.valueOf("MODULAR_ADDITION_VARIANT_" + variant.toUpperCase()));
        }
        if (steps != null) run.setSteps(steps);
        if (learningRate != null) run.getOptimizerBuilder().setLearningRate(learningRate);
        if (seed != null) run.setSeed(seed);
        if (perDecade != null) run.setCheckpoints(CheckpointSchedule.newBuilder().setPerDecade(perDecade));
        if (evalEvery != null) run.setEvalEvery(evalEvery);
        return run.build();
    }
}
