package org.emergence.gateway.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import org.emergence.gateway.experiments.Backends;
import org.emergence.proto.grpc.MalformedRequests;
import org.emergence.gateway.experiments.ExperimentSupervisor;
import org.emergence.proto.v1.MetricsServiceGrpc;

/** {@code emergence.v1.MetricsService} at the gateway: every measurement, authenticated, on the caller's own runs. */
@GrpcService
@RegisterInterceptor(TenantAuthentication.class)
public class MetricsForwardingService implements BindableService {

    private final Backends backends;
    private final ExperimentSupervisor supervisor;

    public MetricsForwardingService(Backends backends, ExperimentSupervisor supervisor) {
        this.backends = backends;
        this.supervisor = supervisor;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(MeasurementForwarding.forward(MetricsServiceGrpc.getServiceDescriptor(), backends.metricsChannel(),
                supervisor::ownsRun, "the metrics service"));
    }
}
