package org.emergence.metrics.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import org.emergence.proto.grpc.InternalChannels;
import io.grpc.StatusRuntimeException;
import org.emergence.metrics.clouds.PointCloud;
import org.emergence.metrics.series.SeriesCatalogue;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CloudPersistence;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.PersistenceDiagram;
import org.emergence.proto.v1.TdaServiceGrpc;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The persistence of a checkpoint's point clouds, computed by the tda service. */
public final class CloudTopology implements AutoCloseable {

    private final ManagedChannel tda;
    private final Duration cap;

    /**
     * @param cap the longest one cloud's persistence may take, within the caller's own deadline
     * @param interceptors applied to every call to tda (tracing)
     */
    public CloudTopology(InternalChannels channels, String tdaTarget, Duration cap, ClientInterceptor... interceptors) {
        this.tda = channels.forTarget(tdaTarget).intercept(interceptors).build();
        this.cap = cap;
    }

    /** The cloud's diagrams, its summaries put into {@code scalars} under the catalogue's ids. */
    CloudPersistence persistence(PointCloud.Points cloud, Map<String, Double> scalars) {
        Calls.checkNotCancelled();
        long millis = cap.toMillis();
        Deadline caller = Context.current().getDeadline();
        if (caller != null) {
            millis = Math.min(millis, caller.timeRemaining(TimeUnit.MILLISECONDS));
        }
        String name = cloud.spec().name();
        ComputePersistenceResponse response;
        try {
            response = TdaServiceGrpc.newBlockingStub(tda).withDeadlineAfter(Math.max(millis, 1), TimeUnit.MILLISECONDS)
                    .computePersistence(ComputePersistenceRequest.newBuilder()
                            .setPointCloud(TensorCodec.fromMatrix(name, cloud.rows()))
                            .setMaxDimension(cloud.spec().maxDimension()).build());
        } catch (StatusRuntimeException e) {
            // The caller learns that the topology could not be computed, never where the tda service is.
            throw RequestException.unavailable("the persistence of cloud " + name + " cannot be computed now ("
                    + e.getStatus().getCode() + "); retry later");
        }
        for (PersistenceDiagram diagram : response.getDiagramsList()) {
            int k = diagram.getDimension();
            // Counted here: the summary's bar count includes the essential classes, the catalogue's series does not.
            long finite = diagram.getPairsList().stream().filter(pair -> Double.isFinite(pair.getDeath())).count();
            scalars.put(SeriesCatalogue.persistence(k, SeriesCatalogue.BARS, name), (double) finite);
            scalars.put(SeriesCatalogue.persistence(k, SeriesCatalogue.MAX_PERSISTENCE, name),
                    diagram.getSummary().getMaxPersistence());
            scalars.put(SeriesCatalogue.persistence(k, SeriesCatalogue.TOTAL_PERSISTENCE, name),
                    diagram.getSummary().getTotalPersistence());
        }
        return CloudPersistence.newBuilder().setName(name).setPoints(cloud.rows().length)
                .setDimensions(cloud.rows()[0].length).addAllDiagrams(response.getDiagramsList()).build();
    }

    @Override
    public void close() {
        tda.shutdown();
    }
}
