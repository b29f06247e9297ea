package org.emergence.gateway.grpc;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import org.emergence.proto.grpc.MalformedRequests;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import io.smallrye.common.annotation.Blocking;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.emergence.gateway.experiments.ExperimentPages;
import org.emergence.gateway.experiments.ExperimentImports;
import org.emergence.gateway.experiments.ExperimentSupervisor;
import org.emergence.proto.v1.ImportExperimentRequest;
import org.emergence.gateway.experiments.Groups;
import org.emergence.gateway.experiments.Quotas;
import org.emergence.gateway.experiments.Reports;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointDetails;
import org.emergence.proto.v1.CreateGroupRequest;
import org.emergence.proto.v1.GetCheckpointDetailsRequest;
import org.emergence.proto.v1.DeleteExperimentRequest;
import org.emergence.proto.v1.DeleteExperimentResponse;
import org.emergence.proto.v1.DeleteGroupRequest;
import org.emergence.proto.v1.DeleteGroupResponse;
import org.emergence.proto.v1.GetGroupReportRequest;
import org.emergence.proto.v1.GetGroupReportResponse;
import org.emergence.proto.v1.GetGroupRequest;
import org.emergence.proto.v1.Group;
import org.emergence.proto.v1.ListGroupsRequest;
import org.emergence.proto.v1.ListGroupsResponse;
import org.emergence.proto.v1.StopGroupRequest;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.GetExperimentRequest;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ListExperimentsRequest;
import org.emergence.proto.v1.ListExperimentsResponse;
import org.emergence.proto.v1.StopExperimentRequest;
import org.emergence.proto.v1.WatchExperimentRequest;
import org.emergence.proto.v1.WatchExperimentResponse;

import java.time.Duration;

/** The experiments API: validates, delegates to the supervisor, maps errors; each call sees its tenant only. */
@GrpcService
@Blocking
@RegisterInterceptor(TenantAuthentication.class)
public class ExperimentGrpcService implements BindableService, ExperimentServiceGrpc.AsyncService {

    private final ExperimentSupervisor supervisor;
    private final Reports reports;
    private final ExperimentImports imports;
    private final Groups groups;
    private final Quotas quotas;
    private final long stopWaitMillis;

    public ExperimentGrpcService(ExperimentSupervisor supervisor, Reports reports, ExperimentImports imports,
                                 Groups groups, Quotas quotas,
                                 @ConfigProperty(name = "gateway.stop-wait") Duration stopWait) {
        this.supervisor = supervisor;
        this.imports = imports;
        this.groups = groups;
        this.quotas = quotas;
        this.reports = reports;
        this.stopWaitMillis = stopWait.toMillis();
    }

    /** The generated binding, with requests whose bytes do not parse refused as INVALID_ARGUMENT. */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(ExperimentServiceGrpc.bindService(this));
    }

    private static String tenant() {
        return TenantAuthentication.TENANT.get();
    }

    @Override
    public void createExperiment(CreateExperimentRequest request, StreamObserver<Experiment> observer) {
        Calls.unary(observer, () -> Reports.experiment(supervisor.get(
                quotas.admit(tenant(), 1, () -> supervisor.create(request, tenant())).id(), tenant())));
    }

    @Override
    public StreamObserver<ImportExperimentRequest> importExperiment(StreamObserver<Experiment> observer) {
        String tenant = tenant();
        return imports.start(tenant, record -> {
            observer.onNext(Reports.experiment(supervisor.get(record.id(), tenant)));
            observer.onCompleted();
        }, (ServerCallStreamObserver<Experiment>) observer);
    }

    @Override
    public void getExperiment(GetExperimentRequest request, StreamObserver<Experiment> observer) {
        Calls.unary(observer, () -> Reports.experiment(
                supervisor.get(Calls.required(request.getExperimentId(), "experiment_id"), tenant())));
    }

    @Override
    public void watchExperiment(WatchExperimentRequest request, StreamObserver<WatchExperimentResponse> observer) {
        try {
            supervisor.watch(Calls.required(request.getExperimentId(), "experiment_id"), tenant(),
                    (ServerCallStreamObserver<WatchExperimentResponse>) observer);
        } catch (RuntimeException e) {
            observer.onError(Calls.toStatus(e));
        }
    }

    @Override
    public void getReport(GetReportRequest request, StreamObserver<GetReportResponse> observer) {
        Calls.unary(observer, () -> reports.report(
                supervisor.get(Calls.required(request.getExperimentId(), "experiment_id"), tenant())));
    }

    @Override
    public void listExperiments(ListExperimentsRequest request, StreamObserver<ListExperimentsResponse> observer) {
        Calls.unary(observer, () -> ExperimentPages.page(supervisor.all(tenant()), request));
    }

    @Override
    public void stopExperiment(StopExperimentRequest request, StreamObserver<Experiment> observer) {
        Calls.unary(observer, () -> Reports.experiment(
                supervisor.stop(Calls.required(request.getExperimentId(), "experiment_id"), tenant(), stopWaitMillis)));
    }

    @Override
    public void deleteExperiment(DeleteExperimentRequest request, StreamObserver<DeleteExperimentResponse> observer) {
        Calls.unary(observer, () -> {
            supervisor.delete(Calls.required(request.getExperimentId(), "experiment_id"), tenant());
            return DeleteExperimentResponse.getDefaultInstance();
        });
    }

    @Override
    public void getCheckpointDetails(GetCheckpointDetailsRequest request, StreamObserver<CheckpointDetails> observer) {
        Calls.unary(observer, () -> {
            org.emergence.gateway.experiments.Experiment experiment = supervisor.get(Calls.required(request.getExperimentId(), "experiment_id"), tenant());
            if (request.getStep() < 0) {
                throw RequestException.invalid("step", "step must not be negative");
            }
            return experiment.details(request.getStep());
        });
    }

    @Override
    public void createGroup(CreateGroupRequest request, StreamObserver<Group> observer) {
        Calls.unary(observer, () -> groups.create(request, tenant()));
    }

    @Override
    public void getGroup(GetGroupRequest request, StreamObserver<Group> observer) {
        Calls.unary(observer, () -> groups.get(Calls.required(request.getGroupId(), "group_id"), tenant()));
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
        Calls.unary(observer, () -> groups.list(tenant(), request));
    }

    @Override
    public void getGroupReport(GetGroupReportRequest request, StreamObserver<GetGroupReportResponse> observer) {
        Calls.unary(observer, () -> groups.report(Calls.required(request.getGroupId(), "group_id"), tenant()));
    }

    @Override
    public void stopGroup(StopGroupRequest request, StreamObserver<Group> observer) {
        Calls.unary(observer, () -> groups.stop(Calls.required(request.getGroupId(), "group_id"), tenant(),
                stopWaitMillis));
    }

    @Override
    public void deleteGroup(DeleteGroupRequest request, StreamObserver<DeleteGroupResponse> observer) {
        Calls.unary(observer, () -> {
            groups.delete(Calls.required(request.getGroupId(), "group_id"), tenant());
            return DeleteGroupResponse.getDefaultInstance();
        });
    }
}
