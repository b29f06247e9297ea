package org.emergence.metrics.grpc;

import org.emergence.proto.grpc.RequestException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import org.emergence.proto.grpc.InternalChannels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.emergence.proto.codec.TensorChunks;
import org.emergence.proto.v1.CheckpointHeader;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.FetchCheckpointRequest;
import org.emergence.proto.v1.FetchCheckpointResponse;
import org.emergence.proto.v1.InlineCheckpoint;
import org.emergence.proto.v1.Tensor;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.emergence.service.RunConfigs;
import org.emergence.service.TensorMessages;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.service.checkpoint.CheckpointCache;
import org.emergence.service.checkpoint.FailSafeCheckpointCache;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.checkpoint.SafetensorsCodec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where the metrics service gets a checkpoint: inline from the request, else the shared cache
 * (Redis), else the trainer over gRPC, which refills the cache. The service keeps no state. A
 * cache that fails (Redis down) counts as a miss and a failed refill is only logged: the trainer
 * is the source, the cache only a speed-up.
 */
public final class CheckpointReader implements AutoCloseable {

    private final CheckpointCache cache;
    private final ManagedChannel trainer;
    private final long maxInputBytes;

    /** @param interceptors applied to every call to the trainer (tracing) */
    public CheckpointReader(CheckpointCache cache, InternalChannels channels, String trainerTarget, long maxInputBytes,
                            ClientInterceptor... interceptors) {
        this.cache = new FailSafeCheckpointCache(cache);
        this.trainer = channels.forTarget(trainerTarget).intercept(interceptors).build();
        this.maxInputBytes = maxInputBytes;
    }

    public Checkpoint read(CheckpointSource source) {
        return switch (source.getSourceCase()) {
            case REF -> byReference(source.getRef());
            case INLINE -> inline(source.getInline());
            case SOURCE_NOT_SET -> throw RequestException.invalid("source", "source is required: ref or inline");
        };
    }

    private Checkpoint byReference(CheckpointRef ref) {
        if (ref.getRunId().isBlank()) {
            throw RequestException.invalid("source.ref.run_id", "source.ref.run_id is required");
        }
        if (ref.getStep() < 0) {
            throw RequestException.invalid("source.ref.step", "source.ref.step must not be negative, got " + ref.getStep());
        }
        return cache.get(ref.getRunId(), ref.getStep()).map(SafetensorsCodec::decode)
                .orElseGet(() -> fetchFromTrainer(ref));
    }

    private Checkpoint fetchFromTrainer(CheckpointRef ref) {
        Iterator<FetchCheckpointResponse> parts = TrainerServiceGrpc.newBlockingStub(trainer)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .fetchCheckpoint(FetchCheckpointRequest.newBuilder().setCheckpoint(ref).build());
        try {
            CheckpointHeader header = null;
            List<NamedTensor> tensors = new ArrayList<>();
            TensorChunks.Assembler assembler = null;
            while (parts.hasNext()) {
                FetchCheckpointResponse part = parts.next();
                if (part.hasHeader()) {
                    header = part.getHeader();
                    continue;
                }
                if (assembler == null) {
                    assembler = new TensorChunks.Assembler("parameter", maxInputBytes);
                }
                assembler.add(part.getParameter());
                if (assembler.isComplete()) {
                    tensors.add(TensorMessages.fromMessage(assembler.tensor(), "parameter"));
                    assembler = null;
                }
            }
            if (header == null) {
                throw RequestException.unavailable("the trainer sent checkpoint " + ref.getRunId() + " step "
                        + ref.getStep() + " without its header; retry later");
            }
            Checkpoint checkpoint = new Checkpoint(ref.getRunId(), ref.getStep(), RunConfigs.toJson(header.getConfig()),
                    header.getMetricsMap(), tensors);
            cache.put(ref.getRunId(), ref.getStep(), SafetensorsCodec.encode(checkpoint));
            return checkpoint;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                throw RequestException.notFound("no checkpoint of run " + ref.getRunId() + " at step " + ref.getStep());
            }
            // The caller learns that the trainer could not serve it, never where the trainer is.
            throw RequestException.unavailable("checkpoint " + ref.getRunId() + " step " + ref.getStep()
                    + " is not cached and the trainer cannot serve it now (" + e.getStatus().getCode() + "); retry later");
        }
    }

    private Checkpoint inline(InlineCheckpoint inline) {
        if (!inline.hasConfig()) {
            throw RequestException.invalid("source.inline.config", "source.inline.config is required");
        }
        if (inline.getStep() < 0) {
            throw RequestException.invalid("source.inline.step", "source.inline.step must not be negative, got "
                    + inline.getStep());
        }
        var config = RunConfigs.resolve(inline.getConfig());
        List<NamedTensor> tensors = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < inline.getParametersCount(); i++) {
            Tensor tensor = inline.getParameters(i);
            bytes += tensor.getData().size();
            if (bytes > maxInputBytes) {
                throw RequestException.invalid("source.inline.parameters", "source.inline.parameters exceed " + maxInputBytes + " bytes");
            }
            tensors.add(TensorMessages.fromMessage(tensor, "source.inline.parameters[" + i + "]"));
        }
        requireFits(RunConfigs.workload(config), tensors);
        return new Checkpoint("inline", inline.getStep(), RunConfigs.toJson(config), Map.of(), tensors);
    }

    /**
     * Inline parameters must be exactly the workload's, by name, shape and dtype: otherwise the probes
     * would fail deep in the engine (or take a missing parameter for a missing checkpoint).
     */
    private static void requireFits(Workload workload, List<NamedTensor> tensors) {
        Map<String, NamedTensor> given = new LinkedHashMap<>();
        for (NamedTensor tensor : tensors) {
            if (given.put(tensor.name(), tensor) != null) {
                throw RequestException.invalid("source.inline.parameters", "source.inline.parameters has " + tensor.name() + " twice");
            }
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> expected = workload.initialise(manager, 0).asMap();
            for (var entry : expected.entrySet()) {
                NamedTensor tensor = given.remove(entry.getKey());
                if (tensor == null) {
                    throw RequestException.invalid("source.inline.parameters", "source.inline.parameters lacks " + entry.getKey()
                            + "; the workload needs " + expected.keySet());
                }
                NamedTensor want = NamedTensors.fromNDArray(entry.getKey(), entry.getValue());
                if (!Arrays.equals(tensor.shape(), want.shape()) || !tensor.dtype().equals(want.dtype())) {
                    throw RequestException.invalid("source.inline.parameters", "source.inline.parameters " + tensor.name() + " is "
                            + tensor.dtype() + Arrays.toString(tensor.shape()) + "; the workload needs "
                            + want.dtype() + Arrays.toString(want.shape()));
                }
            }
        }
        if (!given.isEmpty()) {
            throw RequestException.invalid("source.inline.parameters", "source.inline.parameters " + given.keySet()
                    + " are not parameters of the workload");
        }
    }

    @Override
    public void close() {
        trainer.shutdown();
        cache.close();
    }
}
