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
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.OptimizerConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WatchExperimentRequest;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.emergence.proto.v1.WorkloadSpec;
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
 * readable report (or one JSON document) at the end. The defaults are the smallest config that
 * groks reliably on two CPU cores; README.md says why.
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

    @Option(names = "--modulus", description = "p (default: ${DEFAULT-VALUE})")
    int modulus = 53;

    @Option(names = "--train-fraction", description = "Share of pairs trained on (default: ${DEFAULT-VALUE})")
    double trainFraction = 0.6;

    @Option(names = "--variant", description = "MLP or TRANSFORMER (default: ${DEFAULT-VALUE})")
    String variant = "MLP";

    @Option(names = "--steps", description = "Training steps (default: ${DEFAULT-VALUE})")
    long steps = 1500;

    @Option(names = "--lr", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
    double learningRate = 3e-3;

    @Option(names = "--seed", description = "Seed (default: ${DEFAULT-VALUE})")
    long seed = 0;

    @Option(names = "--per-decade", description = "Checkpoints per decade of steps (default: ${DEFAULT-VALUE})")
    int perDecade = 20;

    @Option(names = "--eval-every", description = "Test evaluation interval in steps (default: ${DEFAULT-VALUE})")
    long evalEvery = 10;

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
            Experiment created = experiments.createExperiment(request());
            watch(experiments.watchExperiment(WatchExperimentRequest.newBuilder()
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

    private CreateExperimentRequest request() {
        RunConfig run = RunConfig.newBuilder()
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(ModularAdditionConfig.newBuilder()
                        .setModulus(modulus).setTrainFraction(trainFraction)
                        .setVariant(ModularAdditionVariant.valueOf("MODULAR_ADDITION_VARIANT_" + variant.toUpperCase()))))
                .setOptimizer(OptimizerConfig.newBuilder().setLearningRate(learningRate))
                .setSteps(steps).setSeed(seed).setEvalEvery(evalEvery)
                .setCheckpoints(CheckpointSchedule.newBuilder().setPerDecade(perDecade))
                .build();
        return CreateExperimentRequest.newBuilder().setName("grokking demo").setRun(run)
                .setPlan(AnalysisPlan.getDefaultInstance()).build();
    }

    /** Progress on stderr, so that stdout carries only the report. */
    private void watch(Iterator<WatchExperimentResponse> events) {
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
