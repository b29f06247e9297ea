package org.emergence.metrics.grpc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.emergence.proto.grpc.RequestException;
import ai.djl.ndarray.NDManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import org.emergence.metrics.checkpoint.CheckpointProbes;
import org.emergence.metrics.llc.LlcAutoCalibration;
import org.emergence.metrics.llc.LlcCalibration;
import org.emergence.metrics.llc.LlcEstimator;
import org.emergence.metrics.llc.ProgressListener;
import org.emergence.metrics.llc.SgldDivergenceException;
import org.emergence.metrics.llc.SgldSettings;
import org.emergence.metrics.series.SeriesCatalogue;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.MalformedRequests;
import org.emergence.proto.grpc.HealthState;
import org.emergence.proto.grpc.MemoryBudget;
import org.emergence.proto.v1.CalibrateLlcRequest;
import org.emergence.proto.v1.CalibrateLlcResponse;
import org.emergence.proto.v1.CalibrationPoint;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CompareRepresentationsRequest;
import org.emergence.proto.v1.CompareRepresentationsResponse;
import org.emergence.proto.v1.DescribeSeriesRequest;
import org.emergence.proto.v1.DescribeSeriesResponse;
import org.emergence.proto.v1.DetectTransitionsRequest;
import org.emergence.proto.v1.DetectTransitionsResponse;
import org.emergence.proto.v1.EstimateIntrinsicDimensionRequest;
import org.emergence.proto.v1.EstimateIntrinsicDimensionResponse;
import org.emergence.proto.v1.EstimateLlcRequest;
import org.emergence.proto.v1.EstimateMeasureCheckpointRequest;
import org.emergence.proto.v1.EstimateMeasureCheckpointResponse;
import org.emergence.proto.v1.EstimateLlcResponse;
import org.emergence.proto.v1.FitPhaseProbeRequest;
import org.emergence.proto.v1.FitPhaseProbeResponse;
import org.emergence.proto.v1.LlcEstimate;
import org.emergence.proto.v1.LlcProgress;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.ProbeNotApplicable;
import org.emergence.proto.v1.MeasureAttentionRequest;
import org.emergence.proto.v1.MeasureAttentionResponse;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.RunConfig;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.EngineThreads;
import org.emergence.workloads.Parameters;
import org.emergence.service.CheckpointModels;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import com.google.protobuf.util.Durations;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** The metrics API: validates, delegates to the probes and the SGLD estimator, maps errors. */
@GrpcService
@Blocking
public class MetricsGrpcService implements BindableService, MetricsServiceGrpc.AsyncService {

    private final CheckpointReader checkpoints;
    private final GradientLane gradients;
    private final CloudTopology topology;
    private final MemoryBudget memory;
    @Inject
    MetricsLimits limits;
    @Inject
    LlcTimeBound llcTimeBound;

    private final Timer measureDuration;
    private final Timer llcDuration;

    public MetricsGrpcService(CheckpointReader checkpoints, GradientLane gradients, CloudTopology topology,
                              MemoryBudget memory, MeterRegistry meters) {
        this.checkpoints = checkpoints;
        this.memory = memory;
        this.gradients = gradients;
        this.topology = topology;
        this.measureDuration = Timer.builder("emergence.measure.duration")
                .description("One MeasureCheckpoint: probes, clouds' persistence and any LLC").register(meters);
        this.llcDuration = Timer.builder("emergence.llc.duration")
                .description("One LLC estimate (SGLD chains; auto mode's pilots included)").register(meters);
    }

    /** Request bytes that do not parse get INVALID_ARGUMENT, not grpc-java's UNKNOWN. */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(MetricsServiceGrpc.bindService(this));
    }

    @Override
    public void measureCheckpoint(MeasureCheckpointRequest request, StreamObserver<MeasureCheckpointResponse> observer) {
        Calls.unary(observer, () -> measureDuration.record(() -> {
            checkLlc(request);
            Checkpoint checkpoint = checkpoints.read(request.getSource());
            MeasureCheckpointResponse measured = memory.run(MeasureRequests.heapBytes(checkpoint), "this measurement",
                    () -> MeasureRequests.measure(request, checkpoint, gradients, topology));
            if (!request.hasLlc()) {
                return measured;
            }
            Optional<String> forwardOnly = CheckpointModels.workload(checkpoint).forwardOnly();
            if (forwardOnly.isPresent()) {
                return measured.toBuilder().addNotApplicable(ProbeNotApplicable.newBuilder().setLlc(true)
                        .setReason(forwardOnly.get())).build();
            }
            // Progress has no place in a unary answer; the health beat still shows the work alive.
            LlcEstimate llc = checkedAs("llc", () -> llc(checkpoint, request.getLlc(), (chain, draw, loss) -> HealthState.beat()));
            return measured.toBuilder().setLlc(llc).putScalars(SeriesCatalogue.LLC, llc.getLlcMean())
                    .putScalars(SeriesCatalogue.LLC_STD, llc.getLlcStd()).build();
        }));
    }

    @Override
    public void estimateMeasureCheckpoint(EstimateMeasureCheckpointRequest request,
                                          StreamObserver<EstimateMeasureCheckpointResponse> observer) {
        Calls.unary(observer, () -> {
            MeasureCheckpointRequest measurement = request.getMeasurement();
            try {
                checkLlc(measurement);
                Checkpoint checkpoint = checkpoints.read(measurement.getSource());
                long parameters = CheckpointModels.parameters(checkpoint).stream().mapToLong(NamedTensor::size).sum();
                EstimateMeasureCheckpointResponse.Builder estimate = EstimateMeasureCheckpointResponse.newBuilder()
                        .setParameters(parameters);
                if (measurement.hasLlc()) {
                    MetricsLimits.LlcWork work = MetricsLimits.llcWork(LlcRequests.settings(measurement.getLlc()),
                            measurement.getLlc().getAuto());
                    estimate.setLlcRowGradients((long) Math.min(Long.MAX_VALUE, work.rowGradients()))
                            .setLlcTimeBound(Durations.fromMillis(llcTimeBound.of(work, parameters).toMillis()));
                }
                return estimate.build();
            } catch (RequestException e) {
                // The fields are the measurement's, one level down in this request.
                throw e.field().isEmpty() ? e : e.underField(e.field(), "measurement." + e.field());
            }
        });
    }

    @Override
    public void describeSeries(DescribeSeriesRequest request, StreamObserver<DescribeSeriesResponse> observer) {
        Calls.unary(observer, () -> SeriesDescriptors.describe(request));
    }

    @Override
    public void estimateLlc(EstimateLlcRequest request, StreamObserver<EstimateLlcResponse> observer) {
        var stream = (ServerCallStreamObserver<EstimateLlcResponse>) observer;
        Calls.unary(stream, () -> {
            checkLlc(request.getSettings());
            Checkpoint checkpoint = checkpoints.read(request.getSource());
            ProgressListener progress = (chain, draw, loss) -> progress(stream, EstimateLlcResponse.newBuilder()
                    .setProgress(LlcProgress.newBuilder().setChain(chain).setDraw(draw).setLoss(loss)).build());
            return EstimateLlcResponse.newBuilder().setEstimate(llc(checkpoint, request.getSettings(), progress)).build();
        });
    }

    @Override
    public void calibrateLlc(CalibrateLlcRequest request, StreamObserver<CalibrateLlcResponse> observer) {
        var stream = (ServerCallStreamObserver<CalibrateLlcResponse>) observer;
        try {
            limits.check(request.getSettings());
            SgldSettings base = LlcRequests.settings(request.getSettings());
            if (request.getSettings().getAuto()) {
                throw RequestException.invalid("settings.auto", "settings.auto is for EstimateLlc; CalibrateLlc sweeps the grid it is given");
            }
            limits.check(request, base);
            if (request.getEpsilonsCount() == 0) {
                throw RequestException.invalid("epsilons", "epsilons is empty");
            }
            boolean gammas = request.getGammasCount() > 0;
            if (gammas == request.getNBetasCount() > 0) {
                throw RequestException.invalid("n_betas", "exactly one of n_betas and gammas must be given");
            }
            double[] epsilons = request.getEpsilonsList().stream().mapToDouble(Double::doubleValue).toArray();
            double[] values = (gammas ? request.getGammasList() : request.getNBetasList()).stream()
                    .mapToDouble(Double::doubleValue).toArray();
            Checkpoint checkpoint = checkpoints.read(request.getSource());
            LlcCalibration.Axis axis = gammas ? LlcCalibration.Axis.GAMMA : LlcCalibration.Axis.NBETA;
            onCheckpoint(checkpoint, request.getSettings(), model -> gradients.run(() -> {
                // One cell at a time, so each point reaches the caller as soon as it is estimated.
                for (double epsilon : epsilons) {
                    for (double value : values) {
                        LlcCalibration.Point point = settingsChecked(() -> LlcCalibration.sweep(model.workload(),
                                model.parameters(), model.data(), base, new double[] {epsilon}, axis,
                                new double[] {value}, Calls::checkNotCancelled).get(0));
                        stream.onNext(CalibrateLlcResponse.newBuilder().setPoint(point(point, request)).build());
                    }
                }
                return null;
            }));
            stream.onCompleted();
        } catch (RuntimeException e) {
            stream.onError(Calls.toStatus(e));
        }
    }

    private static CalibrationPoint point(LlcCalibration.Point point, CalibrateLlcRequest request) {
        CalibrationPoint.Builder out = CalibrationPoint.newBuilder()
                .setEpsilon(point.settings().epsilon()).setGamma(point.settings().gamma())
                .setNBeta(point.settings().effectiveNBeta());
        if (point.result() != null) {
            out.setEstimate(LlcRequests.estimate(point.result(), point.settings(), request.getSettings()));
        } else {
            out.setError(point.failure());
        }
        return out.build();
    }

    @Override
    public void measureAttention(MeasureAttentionRequest request, StreamObserver<MeasureAttentionResponse> observer) {
        Calls.unary(observer, () -> {
            limits.check(request);
            return Calls.validated("layers", () -> ProbeRequests.attention(request));
        });
    }

    @Override
    public void estimateIntrinsicDimension(EstimateIntrinsicDimensionRequest request,
                                           StreamObserver<EstimateIntrinsicDimensionResponse> observer) {
        Calls.unary(observer, () -> {
            limits.check(request);
            return Calls.validated("points", () -> ProbeRequests.intrinsicDimension(request));
        });
    }

    @Override
    public void fitPhaseProbe(FitPhaseProbeRequest request, StreamObserver<FitPhaseProbeResponse> observer) {
        Calls.unary(observer, () -> {
            limits.check(request);
            return Calls.validated("states", () -> ProbeRequests.phase(request));
        });
    }

    @Override
    public void compareRepresentations(CompareRepresentationsRequest request,
                                       StreamObserver<CompareRepresentationsResponse> observer) {
        Calls.unary(observer, () -> {
            limits.check(request);
            return memory.run(ProbeRequests.ckaHeapBytes(request), "this comparison",
                    () -> Calls.validated("first", () -> ProbeRequests.cka(request)));
        });
    }

    @Override
    public void detectTransitions(DetectTransitionsRequest request,
                                  StreamObserver<DetectTransitionsResponse> observer) {
        Calls.unary(observer, () -> {
            limits.check(request);
            return Calls.validated("series", () -> ProbeRequests.transitions(request));
        });
    }

    /** A measurement's LLC settings, bounded as EstimateLlc bounds them, under the request's name for them. */
    private void checkLlc(MeasureCheckpointRequest request) {
        if (request.hasLlc()) {
            checkedAs("llc", () -> {
                checkLlc(request.getLlc());
                return null;
            });
        }
    }

    /** The settings' own bounds and the work they imply, before the checkpoint is read. */
    private void checkLlc(LlcSettings requested) {
        limits.check(requested);
        limits.checkLlc(LlcRequests.settings(requested), requested.getAuto(), 1, "1 estimate");
    }

    /** One LLC estimate at the checkpoint, manual or auto, on the one gradient lane. */
    private LlcEstimate llc(Checkpoint checkpoint, LlcSettings requested, ProgressListener progress) {
        SgldSettings settings = LlcRequests.settings(requested);
        Timer.Sample sample = Timer.start();
        LlcEstimate estimate = onCheckpoint(checkpoint, requested, model -> gradients.run(() -> settingsChecked(() -> requested.getAuto()
                ? LlcRequests.estimate(LlcAutoCalibration.estimate(model.workload(), model.parameters(),
                        model.data(), settings, progress, Calls::checkNotCancelled), requested)
                : LlcRequests.estimate(LlcEstimator.estimate(model.workload(), model.parameters(),
                        model.data(), settings, progress, Calls::checkNotCancelled), settings, requested))));
        sample.stop(llcDuration);
        return estimate;
    }

    /** Work on settings validated as {@code settings}, with errors naming {@code field} instead (the request's own name for them). */
    private static <T> T checkedAs(String field, java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (RequestException e) {
            throw e.underField("settings", field);
        }
    }

    /** A checkpoint's model, rebuilt, with the data split the LLC samples from. */
    private record Model(Workload workload, Parameters parameters, Batch data) {
    }

    private static <T> T onCheckpoint(Checkpoint checkpoint, LlcSettings settings, Function<Model, T> work) {
        RunConfig config = RunConfigs.fromJson(checkpoint.configJson());
        Workload workload = CheckpointModels.workload(checkpoint);
        workload.forwardOnly().ifPresent(reason -> {
            throw RequestException.failedPrecondition("the LLC is not applicable to this checkpoint: " + reason);
        });
        // A request thread is the server's, not the engine's: it needs the configured count too.
        EngineThreads.applyToThisThread();
        try (NDManager manager = NDManager.newBaseManager()) {
            DataSplit split = workload.data(manager, config.getSeed());
            Batch data = LlcRequests.onTestSplit(settings) ? split.test() : split.train();
            return work.apply(new Model(workload, NamedTensors.toParameters(manager, CheckpointModels.parameters(checkpoint)), data));
        }
    }

    /** Progress is advisory: a client that does not keep up misses some, instead of the server buffering them. */
    private static <T> void progress(ServerCallStreamObserver<T> stream, T message) {
        HealthState.beat();
        if (stream.isReady()) {
            stream.onNext(message);
        }
    }

    /**
     * A diverged chain, or settings the data cannot serve (a minibatch larger than the rows, data
     * indices past them), are the caller's settings at fault: INVALID_ARGUMENT naming the setting.
     */
    private static <T> T settingsChecked(java.util.function.Supplier<T> work) {
        try {
            return Calls.validated("settings", work);
        } catch (SgldDivergenceException e) {
            throw RequestException.invalid("settings.epsilon", e.getMessage());
        }
    }
}
