package org.emergence.cli;

import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
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
import org.emergence.proto.v1.WatchExperimentResponse;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Iterator;
import java.util.List;
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

    @Option(names = "--target", description = "Gateway address (default: ${DEFAULT-VALUE})")
    String target = "localhost:9100";

    @Option(names = "--wait-for", split = ",", description = "host:port of services whose gRPC health must be SERVING first")
    List<String> waitFor = List.of();

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
        waitUntilServing();
        ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
        try {
            var experiments = ExperimentServiceGrpc.newBlockingStub(channel);
            RunConfig run = run();
            Experiment created = experiments.createExperiment(CreateExperimentRequest.newBuilder()
                    .setName("grokking demo").setRun(run).setPlan(AnalysisPlan.getDefaultInstance()).build());
            watch(run.getSteps(), experiments.watchExperiment(WatchExperimentRequest.newBuilder()
                    .setExperimentId(created.getExperimentId()).build()));
            GetReportResponse report = experiments.withDeadlineAfter(120, TimeUnit.SECONDS)
                    .getReport(GetReportRequest.newBuilder().setExperimentId(created.getExperimentId()).build());
            if (json) {
                System.out.println(JsonFormat.printer().print(report));
            } else {
                new ReportText(report).print(System.out);
            }
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println("emergence demo: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
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

    /** Progress on stderr, so that stdout carries only the report. */
    private static void watch(long steps, Iterator<WatchExperimentResponse> events) {
        PrintStream err = System.err;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("training").setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(err))
                .setUpdateIntervalMillis(250).build()) {
            while (events.hasNext()) {
                WatchExperimentResponse event = events.next();
                switch (event.getEventCase()) {
                    case PROGRESS -> {
                        bar.stepTo(event.getProgress().getStep());
                        bar.setExtraMessage(String.format(" train acc %.3f  test acc %.3f",
                                event.getProgress().getTrainAccuracy(), event.getProgress().getTestAccuracy()));
                    }
                    case ANALYSED -> bar.setExtraMessage(String.format(" analysed step %d", event.getAnalysed().getStep()));
                    case FINISHED -> bar.stepTo(steps);
                    case EVENT_NOT_SET -> { }
                }
            }
        }
    }

    private void waitUntilServing() throws InterruptedException {
        waitUntilServing(waitFor);
    }

    /** Waits until each host:port answers gRPC health SERVING, up to 180 s in all. */
    static void waitUntilServing(List<String> waitFor) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        for (String address : waitFor) {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
            try {
                while (!serving(channel)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(address + " did not become healthy within 180 s");
                    }
                    Thread.sleep(250);
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static boolean serving(ManagedChannel channel) {
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus()
                    == HealthCheckResponse.ServingStatus.SERVING;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }
}
