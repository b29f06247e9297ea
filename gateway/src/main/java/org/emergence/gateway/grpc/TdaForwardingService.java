package org.emergence.gateway.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import org.emergence.gateway.experiments.Backends;
import org.emergence.proto.grpc.MalformedRequests;
import org.emergence.gateway.experiments.ExperimentSupervisor;
import org.emergence.proto.v1.TdaServiceGrpc;

/** {@code emergence.v1.TdaService} at the gateway: persistence, summaries, Takens and scans, authenticated. */
@GrpcService
@RegisterInterceptor(TenantAuthentication.class)
public class TdaForwardingService implements BindableService {

    private final Backends backends;
    private final ExperimentSupervisor supervisor;

    public TdaForwardingService(Backends backends, ExperimentSupervisor supervisor) {
        this.backends = backends;
        this.supervisor = supervisor;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(MeasurementForwarding.forward(TdaServiceGrpc.getServiceDescriptor(), backends.tdaChannel(),
                supervisor::ownsRun, "the tda service"));
    }
}
