package org.emergence.gateway.experiments;

import io.grpc.Context;
import org.emergence.proto.codec.TensorChunks;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.FetchCheckpointRequest;
import org.emergence.proto.v1.FetchCheckpointResponse;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.PersistenceDiagram;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.Tensor;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Everything the analysis plan asks of one checkpoint, as one flat set of named scalars. */
final class CheckpointAnalysis {

    /** The parameter whose first p rows are the number tokens' embedding, in every modular workload. */
    static final String EMBEDDING = "embed.W";

    private final Backends backends;
    private final long deadlineSeconds;

    CheckpointAnalysis(Backends backends, long deadlineSeconds) {
        this.backends = backends;
        this.deadlineSeconds = deadlineSeconds;
    }

    CheckpointAnalysed analyse(CheckpointRef checkpoint, RunConfig run, AnalysisPlan plan,
                               Map<String, Double> trainerMetrics) {
        Map<String, Double> scalars = new TreeMap<>(trainerMetrics);
        scalars.putAll(measure(checkpoint, plan));
        if (!plan.getSkipClouds() && run.getWorkload().hasModularAddition()) {
            scalars.putAll(embeddingPersistence(checkpoint, run.getWorkload().getModularAddition().getModulus()));
        }
        return CheckpointAnalysed.newBuilder().setStep(checkpoint.getStep()).putAllScalars(scalars).build();
    }

    private Map<String, Double> measure(CheckpointRef checkpoint, AnalysisPlan plan) {
        MeasureCheckpointResponse response = backends.metrics()
                .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                .measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                        .setSource(CheckpointSource.newBuilder().setRef(checkpoint))
                        .addAllProbes(plan.getProbesList())
                        .build());
        return response.getScalarsMap();
    }

    /**
     * H0 and H1 of the embedding rows of the p number tokens (SCIENCE.md 3.3); the transformer's
     * extra row for '=' is left out. {@code run} is the trainer's resolved config, so p is set.
     * The rows are centred and scaled to unit RMS norm: weight decay shrinks the whole embedding
     * as training goes on, and persistence in raw units would mostly track that shrinking.
     */
    private Map<String, Double> embeddingPersistence(CheckpointRef checkpoint, int p) {
        Tensor embedding = fetchParameter(checkpoint, EMBEDDING);
        double[][] rows = TensorCodec.toMatrix(embedding, EMBEDDING, true);
        ComputePersistenceResponse persistence = backends.tda()
                .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                .computePersistence(ComputePersistenceRequest.newBuilder()
                        .setPointCloud(TensorCodec.fromMatrix("embedding",
                                centredUnitScale(Arrays.copyOf(rows, Math.min(p, rows.length)))))
                        .setMaxDimension(1)
                        .build());
        Map<String, Double> scalars = new TreeMap<>();
        for (PersistenceDiagram diagram : persistence.getDiagramsList()) {
            String prefix = "h" + diagram.getDimension() + "_";
            scalars.put(prefix + "bars", (double) diagram.getSummary().getBars());
            scalars.put(prefix + "max_persistence", diagram.getSummary().getMaxPersistence());
            scalars.put(prefix + "total_persistence", diagram.getSummary().getTotalPersistence());
        }
        return scalars;
    }

    /**
     * One parameter of a checkpoint. The call is cancelled as soon as that parameter is whole, so
     * the trainer stops streaming the rest instead of buffering it until the deadline.
     */
    private Tensor fetchParameter(CheckpointRef checkpoint, String name) {
        Context.CancellableContext call = Context.current().withCancellation();
        Context previous = call.attach();
        try {
            return findParameter(backends.trainer()
                    .withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                    .fetchCheckpoint(FetchCheckpointRequest.newBuilder().setCheckpoint(checkpoint).build()),
                    checkpoint, name);
        } finally {
            call.detach(previous);
            call.cancel(null);
        }
    }

    private static Tensor findParameter(Iterator<FetchCheckpointResponse> parts, CheckpointRef checkpoint, String name) {
        TensorChunks.Assembler assembler = null;
        while (parts.hasNext()) {
            FetchCheckpointResponse part = parts.next();
            if (!part.hasParameter()) {
                continue;
            }
            if (part.getParameter().getOffset() == 0) {
                assembler = name.equals(part.getParameter().getName())
                        ? new TensorChunks.Assembler(name, Long.MAX_VALUE) : null;
            }
            if (assembler != null) {
                assembler.add(part.getParameter());
                if (assembler.isComplete()) {
                    return assembler.tensor();
                }
            }
        }
        throw new IllegalStateException("checkpoint " + checkpoint.getStep() + " has no parameter " + name);
    }

    /** Rows minus their mean, divided by the root-mean-square row norm: geometry kept, scale removed. */
    static double[][] centredUnitScale(double[][] rows) {
        int d = rows[0].length;
        double[] mean = new double[d];
        for (double[] row : rows) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / rows.length;
            }
        }
        double squares = 0;
        double[][] centred = new double[rows.length][d];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < d; j++) {
                centred[i][j] = rows[i][j] - mean[j];
                squares += centred[i][j] * centred[i][j];
            }
        }
        double scale = Math.sqrt(squares / rows.length);
        if (scale > 0) {
            for (double[] row : centred) {
                for (int j = 0; j < d; j++) {
                    row[j] /= scale;
                }
            }
        }
        return centred;
    }
}
