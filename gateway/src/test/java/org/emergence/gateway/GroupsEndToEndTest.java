package org.emergence.gateway;

import com.google.rpc.BadRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.FetchCheckpointRequest;
import org.emergence.proto.v1.GetRunRequest;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.emergence.proto.v1.CreateGroupRequest;
import org.emergence.proto.v1.DeleteExperimentRequest;
import org.emergence.proto.v1.DeleteGroupRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.FieldSweep;
import org.emergence.proto.v1.GetExperimentRequest;
import org.emergence.proto.v1.GetGroupReportRequest;
import org.emergence.proto.v1.GetGroupReportResponse;
import org.emergence.proto.v1.GetGroupRequest;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.Group;
import org.emergence.proto.v1.GroupMember;
import org.emergence.proto.v1.GroupSweep;
import org.emergence.proto.v1.ListExperimentsRequest;
import org.emergence.proto.v1.ListGroupsRequest;
import org.emergence.proto.v1.ListGroupsResponse;
import org.emergence.proto.v1.StopGroupRequest;
import org.emergence.proto.v1.SeedSweep;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesSpread;
import org.emergence.proto.v1.Transition;
import org.emergence.proto.v1.TransitionSpread;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Groups (sweeps over seeds and over a config field), their reports, and deletes, through gRPC and the real backends. */
@QuarkusTest
@TestProfile(GroupsEndToEndTest.TwoTenants.class)
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class GroupsEndToEndTest {

    public static class TwoTenants implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.auth.tokens", "alice=token-a,bob=token-b", "gateway.group.max-members", "4");
        }
    }

    private static ManagedChannel channel;
    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub alice;
    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub bob;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        alice = TenantIsolationTest.as(channel, "token-a");
        bob = TenantIsolationTest.as(channel, "token-b");
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    private static CreateGroupRequest.Builder group(long steps, GroupSweep.Builder sweep) {
        return CreateGroupRequest.newBuilder().setName("sweep")
                .setBase(CreateExperimentRequest.newBuilder().setRun(ExperimentEndToEndTest.tinyRun(steps)))
                .setSweep(sweep);
    }

    @Test
    void aThreeSeedGroupCompletesAndItsReportIsTheMeanAndSpreadOfTheMembersReports() {
        Group created = alice.createGroup(group(60, GroupSweep.newBuilder()
                .setSeeds(SeedSweep.newBuilder().setCount(3))).build());
        assertEquals(List.of("1", "2", "3"), created.getMembersList().stream().map(GroupMember::getValue).toList(),
                "seeds from the base run's seed 1 on");
        for (GroupMember member : created.getMembersList()) {
            ExperimentEndToEndTest.awaitEnd(alice, member.getExperimentId(), 300);
        }
        Group done = alice.getGroup(GetGroupRequest.newBuilder().setGroupId(created.getGroupId()).build());
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, done.getState());
        List<Experiment> listed = alice.listExperiments(ListExperimentsRequest.getDefaultInstance()).getExperimentsList()
                .stream().filter(e -> e.getGroupId().equals(created.getGroupId())).toList();
        assertEquals(3, listed.size(), "members are ordinary experiments carrying the group id");
        assertEquals(List.of(1L, 2L, 3L), listed.stream().map(e -> e.getRun().getSeed()).sorted().toList());
        assertTrue(alice.listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList().stream()
                .anyMatch(g -> g.getGroupId().equals(created.getGroupId())));
        assertTrue(bob.listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList().isEmpty());

        GetGroupReportResponse report = alice.getGroupReport(GetGroupReportRequest.newBuilder()
                .setGroupId(created.getGroupId()).build());
        List<GetReportResponse> members = created.getMembersList().stream().map(m -> alice.getReport(
                GetReportRequest.newBuilder().setExperimentId(m.getExperimentId()).build())).toList();
        assertFalse(report.getSeriesList().isEmpty());
        assertTrue(report.getSeriesList().stream().anyMatch(s -> s.getName().equals("test_accuracy")));
        for (SeriesSpread spread : report.getSeriesList()) {
            assertEquals(3, spread.getMembers(), spread.getName());
            List<Long> shared = new ArrayList<>(stepsOf(members.get(0), spread.getName()));
            members.forEach(r -> shared.retainAll(stepsOf(r, spread.getName())));
            assertEquals(shared, spread.getStepsList(), "the steps every member has");
            assertFalse(shared.isEmpty(), spread.getName());
            for (int i = 0; i < spread.getStepsCount(); i++) {
                long step = spread.getSteps(i);
                double[] values = members.stream().mapToDouble(r -> valueAt(r, spread.getName(), step)).toArray();
                double mean = (values[0] + values[1] + values[2]) / 3;
                double var = ((values[0] - mean) * (values[0] - mean) + (values[1] - mean) * (values[1] - mean)
                        + (values[2] - mean) * (values[2] - mean)) / 2;
                String at = spread.getName() + " at step " + step;
                assertEquals(mean, spread.getMean(i), 1e-12 * Math.max(1, Math.abs(mean)), at);
                assertEquals(Math.sqrt(var), spread.getStd(i), 1e-9 * Math.max(1, Math.abs(mean)), at);
                assertEquals(Math.min(values[0], Math.min(values[1], values[2])), spread.getMin(i), at);
                assertEquals(Math.max(values[0], Math.max(values[1], values[2])), spread.getMax(i), at);
            }
        }
        assertEquals(members.stream().map(GetReportResponse::getTransitionsList).toList(),
                report.getMemberTransitionsList().stream().map(m -> m.getTransitionsList()).toList());
        Map<String, List<Long>> detected = new HashMap<>();
        members.forEach(r -> r.getTransitionsList().forEach(t -> detected.computeIfAbsent(t.getSeries(),
                s -> new ArrayList<>()).addAll(t.getDetected() ? List.of(t.getStep()) : List.of())));
        assertEquals(detected.keySet(), new java.util.HashSet<>(report.getTransitionSpreadList().stream()
                .map(TransitionSpread::getSeries).toList()));
        for (TransitionSpread spread : report.getTransitionSpreadList()) {
            List<Long> steps = detected.get(spread.getSeries());
            assertEquals(steps.size(), spread.getDetected(), spread.getSeries());
            if (!steps.isEmpty()) {
                double mean = steps.stream().mapToLong(Long::longValue).average().orElseThrow();
                assertEquals(mean, spread.getMeanStep(), 1e-9, spread.getSeries());
                assertEquals(steps.stream().mapToLong(Long::longValue).min().orElseThrow(), spread.getMinStep());
            }
        }
        alice.deleteGroup(DeleteGroupRequest.newBuilder().setGroupId(created.getGroupId()).build());
        GrpcChecks.assertStatus(Status.Code.NOT_FOUND, created.getGroupId(),
                () -> alice.getGroup(GetGroupRequest.newBuilder().setGroupId(created.getGroupId()).build()));
        for (GroupMember member : created.getMembersList()) {
            GrpcChecks.assertStatus(Status.Code.NOT_FOUND, member.getExperimentId(), () -> alice.getExperiment(
                    GetExperimentRequest.newBuilder().setExperimentId(member.getExperimentId()).build()));
        }
    }

    private static List<Long> stepsOf(GetReportResponse report, String series) {
        return report.getSeriesList().stream().filter(x -> x.getName().equals(series)).findFirst().orElseThrow()
                .getStepsList();
    }

    private static double valueAt(GetReportResponse report, String series, long step) {
        Series s = report.getSeriesList().stream().filter(x -> x.getName().equals(series)).findFirst().orElseThrow();
        return s.getValues(s.getStepsList().indexOf(step));
    }

    @Test
    void aSweepOverAConfigFieldGivesMembersWithThoseValues() {
        Group decay = alice.createGroup(group(20_000, GroupSweep.newBuilder().setField(FieldSweep.newBuilder()
                .setPath("optimizer.weight_decay").addValues("0.25").addValues("2"))).build());
        assertEquals(List.of(0.25, 2.0), decay.getMembersList().stream().map(m -> alice.getExperiment(
                GetExperimentRequest.newBuilder().setExperimentId(m.getExperimentId()).build())
                .getRun().getOptimizer().getWeightDecay()).toList());
        Group fraction = alice.createGroup(group(10, GroupSweep.newBuilder().setField(FieldSweep.newBuilder()
                .setPath("workload.modular_addition.train_fraction").addValues("0.4").addValues("0.7"))).build());
        List<Experiment> members = fraction.getMembersList().stream().map(m -> alice.getExperiment(
                GetExperimentRequest.newBuilder().setExperimentId(m.getExperimentId()).build())).toList();
        assertEquals(List.of(0.4, 0.7), members.stream()
                .map(e -> e.getRun().getWorkload().getModularAddition().getTrainFraction()).toList());
        assertEquals(List.of(11, 11), members.stream()
                .map(e -> e.getRun().getWorkload().getModularAddition().getModulus()).toList(), "the rest is the base's");
        List<String> listed = new ArrayList<>();
        String token = "";
        do {
            ListGroupsResponse page = alice.listGroups(ListGroupsRequest.newBuilder().setPageSize(1).setPageToken(token).build());
            assertTrue(page.getGroupsCount() <= 1);
            page.getGroupsList().forEach(g -> listed.add(g.getGroupId()));
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        assertEquals(List.of(decay.getGroupId(), fraction.getGroupId()), listed.stream()
                .filter(id -> id.equals(decay.getGroupId()) || id.equals(fraction.getGroupId())).toList(), "oldest first, once");

        Group stopped = alice.stopGroup(StopGroupRequest.newBuilder().setGroupId(decay.getGroupId()).build());
        assertEquals(ExperimentState.EXPERIMENT_STATE_STOPPED, stopped.getState(), stopped.toString());
        assertTrue(stopped.getMembersList().stream()
                .allMatch(m -> m.getState() == ExperimentState.EXPERIMENT_STATE_STOPPED), stopped.toString());
        for (Group g : List.of(decay, fraction)) {
            alice.deleteGroup(DeleteGroupRequest.newBuilder().setGroupId(g.getGroupId()).build());
        }
    }

    @Test
    void thePythonClientStartsASweepAndDeletesIt() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        String out = ExperimentEndToEndTest.run(List.of("/usr/bin/python3", "-c", String.join("\n",
                "import sys; sys.path.insert(0, 'clients/python')",
                "from emergence.client import Client",
                "c = Client('localhost:" + port + "', token='token-a')",
                "run = {'workload': {'modularAddition': {'modulus': 11}}, 'steps': '10', 'seed': '1'}",
                "g = c.start_group(run, path='optimizer.learning_rate', values=[0.01, 0.001], name='py')",
                "print(g.group_id, *[m.value for m in g.members])",
                "c.delete_group(g.group_id)")));
        String[] printed = out.strip().split(" ");
        assertEquals(List.of("0.01", "0.001"), List.of(printed[1], printed[2]), out);
        GrpcChecks.assertStatus(Status.Code.NOT_FOUND, printed[0],
                () -> alice.getGroup(GetGroupRequest.newBuilder().setGroupId(printed[0]).build()));
    }

    @Test
    void anInvalidSweepIsInvalidArgumentNamingTheField() throws Exception {
        assertInvalid("sweep.field.path", "no field nope", GroupSweep.newBuilder().setField(FieldSweep.newBuilder()
                .setPath("optimizer.nope").addValues("1")));
        assertInvalid("sweep.field.path", "is a message", GroupSweep.newBuilder().setField(FieldSweep.newBuilder()
                .setPath("optimizer").addValues("1")));
        assertInvalid("sweep.field.path", "modular_addition, not deep_linear", GroupSweep.newBuilder()
                .setField(FieldSweep.newBuilder().setPath("workload.deep_linear.rank").addValues("1")));
        assertInvalid("sweep.field.values[1]", "\"heavy\" is not a finite double", GroupSweep.newBuilder()
                .setField(FieldSweep.newBuilder().setPath("optimizer.weight_decay").addValues("1").addValues("heavy")));
        assertInvalid("sweep.field.values[0]", "value of Optimizer", GroupSweep.newBuilder()
                .setField(FieldSweep.newBuilder().setPath("optimizer.optimizer").addValues("OPTIMIZER_LION")));
        assertInvalid("sweep.seeds.count", "at most 4 (gateway.group.max-members)", GroupSweep.newBuilder()
                .setSeeds(SeedSweep.newBuilder().setCount(5)));
        assertInvalid("sweep", "sweep is required", GroupSweep.newBuilder());
        assertTrue(alice.listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList().stream()
                .noneMatch(g -> g.getName().equals("invalid")), "nothing was created");
    }

    private static void assertInvalid(String field, String fragment, GroupSweep.Builder sweep) throws Exception {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> alice.createGroup(group(10, sweep).setName("invalid").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains(fragment), e.getStatus().getDescription());
        BadRequest details = StatusProto.fromThrowable(e).getDetailsList().get(0).unpack(BadRequest.class);
        assertEquals(field, details.getFieldViolations(0).getField());
    }

    @Test
    void deleteRemovesTheFilesOnBothSidesAndIsNotFoundForAnotherTenant() throws Exception {
        Path gatewayData = Path.of(ConfigProvider.getConfig().getValue("gateway.data-dir", String.class));
        Path checkpoints = BackendServices.shared().dataDir.resolve("checkpoints");
        Experiment finished = alice.createExperiment(CreateExperimentRequest.newBuilder()
                .setRun(ExperimentEndToEndTest.tinyRun(20)).build());
        ExperimentEndToEndTest.awaitEnd(alice, finished.getExperimentId(), 180);
        assertTrue(Files.isDirectory(gatewayData.resolve(finished.getExperimentId())));
        assertTrue(Files.isDirectory(checkpoints.resolve(finished.getRunId())));

        DeleteExperimentRequest delete = DeleteExperimentRequest.newBuilder()
                .setExperimentId(finished.getExperimentId()).build();
        GrpcChecks.assertStatus(Status.Code.NOT_FOUND, finished.getExperimentId(), () -> bob.deleteExperiment(delete));
        assertTrue(Files.isDirectory(gatewayData.resolve(finished.getExperimentId())), "another tenant deletes nothing");
        alice.deleteExperiment(delete);
        assertTrue(Files.notExists(gatewayData.resolve(finished.getExperimentId())));
        assertTrue(Files.notExists(checkpoints.resolve(finished.getRunId())));
        GrpcChecks.assertStatus(Status.Code.NOT_FOUND, finished.getExperimentId(), () -> alice.getExperiment(
                GetExperimentRequest.newBuilder().setExperimentId(finished.getExperimentId()).build()));
        GrpcChecks.assertStatus(Status.Code.NOT_FOUND, finished.getExperimentId(), () -> alice.deleteExperiment(delete));
        ManagedChannel trainerChannel = ManagedChannelBuilder.forAddress("localhost", BackendServices.shared().trainerPort)
                .usePlaintext().build();
        try {
            TrainerServiceGrpc.TrainerServiceBlockingStub trainer = TrainerServiceGrpc.newBlockingStub(trainerChannel);
            GrpcChecks.assertStatus(Status.Code.NOT_FOUND, finished.getRunId(), () -> trainer.getRun(
                    GetRunRequest.newBuilder().setRunId(finished.getRunId()).build()));
            GrpcChecks.assertStatus(Status.Code.NOT_FOUND, finished.getRunId(), () -> trainer.fetchCheckpoint(
                    FetchCheckpointRequest.newBuilder().setCheckpoint(CheckpointRef.newBuilder()
                            .setRunId(finished.getRunId()).setStep(0)).build()).next());
        } finally {
            trainerChannel.shutdownNow();
        }

        // A running experiment is stopped; the trainer removes its files once training lets go of them.
        Experiment running = alice.createExperiment(CreateExperimentRequest.newBuilder()
                .setRun(ExperimentEndToEndTest.tinyRun(20_000)).build());
        await(() -> Files.isDirectory(checkpoints.resolve(running.getRunId())));
        alice.deleteExperiment(DeleteExperimentRequest.newBuilder().setExperimentId(running.getExperimentId()).build());
        assertTrue(Files.notExists(gatewayData.resolve(running.getExperimentId())));
        await(() -> Files.notExists(checkpoints.resolve(running.getRunId())));
        assertTrue(alice.listExperiments(ListExperimentsRequest.getDefaultInstance()).getExperimentsList().stream()
                .noneMatch(e -> e.getExperimentId().equals(running.getExperimentId())));
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(50);
        }
    }
}
