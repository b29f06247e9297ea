package org.emergence.gateway.experiments;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import org.emergence.proto.grpc.InternalChannels;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.TrainerServiceGrpc;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Channels to the trainer, the metrics and the tda service, built as every internal channel is
 * ({@link InternalChannels}: TLS when configured, the service credential on every call). Round
 * robin per call: with a headless Service's {@code dns:///} target every pod is a subchannel, so
 * analysis spreads across pods instead of pinning to the one behind a single HTTP/2 connection.
 *
 * <p>Built to ride out a backend's restart: every call that carries a deadline waits for the
 * channel to be ready until that deadline instead of failing at once while the pod is down, and
 * keepalive pings on open calls notice a peer that vanished without closing its connection
 * (the long WatchRun stream would otherwise hang on a dead socket).
 */
public final class Backends implements AutoCloseable {

    /** The largest message passed on either way: the tda service's own input limit (tda.max-input-bytes) plus framing. */
    static final int MAX_MESSAGE_BYTES = 68_157_440;

    private final ManagedChannel trainer;
    private final ManagedChannel metrics;
    private final ManagedChannel tda;

    /** @param interceptors applied to every call on the three channels (tracing: each call a client span carrying the trace on) */
    public Backends(InternalChannels channels, String trainerTarget, String metricsTarget, String tdaTarget,
                    ClientInterceptor... interceptors) {
        this.trainer = channel(channels, trainerTarget, interceptors);
        this.metrics = channel(channels, metricsTarget, interceptors);
        this.tda = channel(channels, tdaTarget, interceptors);
    }

    /** Ping interval on open calls; the backends permit pings this often (quarkus.grpc.server.netty.permit-keep-alive-time). */
    static final Duration KEEPALIVE = Duration.ofSeconds(30);

    private static ManagedChannel channel(InternalChannels channels, String target, ClientInterceptor... interceptors) {
        return channels.forTarget(target)
                .intercept(interceptors)
                .keepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .intercept(new WaitForReadyWithinDeadline())
                .intercept(interceptors)
                .build();
    }

    /** A call with a deadline waits for a ready connection until then; one without keeps failing fast. */
    private static final class WaitForReadyWithinDeadline implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return next.newCall(method, options.getDeadline() == null ? options : options.withWaitForReady());
        }
    }

    public TrainerServiceGrpc.TrainerServiceBlockingStub trainer() {
        return TrainerServiceGrpc.newBlockingStub(trainer);
    }

    /** For the client-streaming ImportRun, which the gateway relays chunk by chunk. */
    public TrainerServiceGrpc.TrainerServiceStub trainerAsync() {
        return TrainerServiceGrpc.newStub(trainer);
    }

    public MetricsServiceGrpc.MetricsServiceBlockingStub metrics() {
        return MetricsServiceGrpc.newBlockingStub(metrics);
    }

    /** The channels the gateway forwards the measurement services' contracts on (MeasurementForwarding). */
    public Channel metricsChannel() {
        return metrics;
    }

    public Channel tdaChannel() {
        return tda;
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : List.of(trainer, metrics, tda)) {
            channel.shutdown();
        }
        for (ManagedChannel channel : List.of(trainer, metrics, tda)) {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
