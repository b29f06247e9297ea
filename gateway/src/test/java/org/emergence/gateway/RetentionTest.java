package org.emergence.gateway;

import io.opentelemetry.api.OpenTelemetry;
import io.grpc.Status;
import org.emergence.proto.grpc.InternalChannels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.emergence.gateway.experiments.Backends;
import org.emergence.gateway.experiments.Experiment;
import org.emergence.gateway.experiments.ExperimentStore;
import org.emergence.gateway.experiments.ExperimentSupervisor;
import org.emergence.gateway.experiments.Groups;
import org.emergence.gateway.experiments.Quotas;
import org.emergence.gateway.experiments.Reports;
import org.emergence.gateway.experiments.Retention;
import org.emergence.gateway.experiments.StoredBytes;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.CreateGroupRequest;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.Group;
import org.emergence.proto.v1.GroupMember;
import org.emergence.proto.v1.GroupSweep;
import org.emergence.proto.v1.SeedSweep;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention by age and by bytes, the stored-bytes quota, and a group across a restart, on a
 * supervisor of its own over the real backends (each its own data folder, so the totals are its own).
 */
class RetentionTest {

    private static final String TENANT = "default";
    private final BackendServices backends = BackendServices.shared();
    private final Path checkpoints = backends.dataDir.resolve("checkpoints");

    @Test
    void retentionDeletesTheOldFinishedExperimentsThenTheOldestUntilUnderTheBytesAndNeverARunningOne()
            throws Exception {
        Path data = Files.createTempDirectory(backends.dataDir, "retention");
        try (Backends channels = channels(); ExperimentSupervisor supervisor = supervisor(channels, data)) {
            ExperimentStore store = new ExperimentStore(data);
            StoredBytes storedBytes = new StoredBytes(channels, store);
            Groups groups = new Groups(supervisor, new Reports(channels), quotas(supervisor, storedBytes, OptionalLong.empty()),
                    data, 4);
            String a = finished(supervisor, 20);
            String b = finished(supervisor, 20);
            String d = finished(supervisor, 20);
            String c = supervisor.create(request(20_000), TENANT).id();
            await(() -> Files.isDirectory(checkpoints.resolve(supervisor.get(c, TENANT).record().runId())));

            long now = finishedAt(supervisor, d);
            long ageA = now - finishedAt(supervisor, a);
            long ageB = now - finishedAt(supervisor, b);
            assertTrue(ageA > ageB + 1, "a finished before b");
            Retention byAge = new Retention(supervisor, groups, storedBytes,
                    Optional.of(Duration.ofMillis((ageA + ageB) / 2)), OptionalLong.empty());
            String runA = supervisor.get(a, TENANT).record().runId();
            assertEquals(List.of(a), byAge.sweep(now), "only a is older than the age limit; c runs");
            assertTrue(Files.notExists(data.resolve(a)) && Files.notExists(checkpoints.resolve(runA)));

            supervisor.stop(c, TENANT, 30_000);
            assertEquals(ExperimentState.EXPERIMENT_STATE_STOPPED, supervisor.get(c, TENANT).record().state());
            long total = Stream.of(b, c, d).mapToLong(id -> bytesOnDisk(data, supervisor, id)).sum();
            Retention byBytes = new Retention(supervisor, groups, storedBytes, Optional.empty(), OptionalLong.of(total - 1));
            assertEquals(List.of(b), byBytes.sweep(System.currentTimeMillis()), "the oldest finished goes first");
            assertEquals(List.of(), byBytes.sweep(System.currentTimeMillis()), "under the limit now");

            long left = Stream.of(c, d).mapToLong(id -> bytesOnDisk(data, supervisor, id)).sum();
            RequestException full = assertThrows(RequestException.class, () ->
                    quotas(supervisor, storedBytes, OptionalLong.of(left)).check(TENANT, 1, 0));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.code());
            assertEquals("gateway.quota.max-stored-bytes", full.field());
            assertTrue(full.getMessage().contains("stores " + left), full.getMessage());
            quotas(supervisor, storedBytes, OptionalLong.of(left + 1)).check(TENANT, 1, 0);
            supervisor.delete(c, TENANT);
            supervisor.delete(d, TENANT);
        }
    }

    @Test
    void aGroupAndItsMembersSurviveAGatewayRestart() throws Exception {
        Path data = Files.createTempDirectory(backends.dataDir, "groups");
        Group created;
        try (Backends channels = channels(); ExperimentSupervisor supervisor = supervisor(channels, data)) {
            created = groups(supervisor, channels, data).create(CreateGroupRequest.newBuilder().setName("restart")
                    .setBase(request(20)).setSweep(GroupSweep.newBuilder().setSeeds(SeedSweep.newBuilder()
                            .addSeeds(7).addSeeds(9))).build(), TENANT);
        }
        try (Backends channels = channels(); ExperimentSupervisor supervisor = supervisor(channels, data)) {
            supervisor.resume();
            Groups groups = groups(supervisor, channels, data);
            groups.load();
            for (GroupMember member : created.getMembersList()) {
                await(() -> supervisor.get(member.getExperimentId(), TENANT).record().state()
                        != ExperimentState.EXPERIMENT_STATE_RUNNING);
            }
            Group reloaded = groups.get(created.getGroupId(), TENANT);
            assertEquals(created.getMembersList().stream().map(GroupMember::getExperimentId).toList(),
                    reloaded.getMembersList().stream().map(GroupMember::getExperimentId).toList());
            assertEquals(List.of("7", "9"), reloaded.getMembersList().stream().map(GroupMember::getValue).toList());
            assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, reloaded.getState());
            assertEquals(created.getGroupId(), supervisor.get(created.getMembers(0).getExperimentId(), TENANT)
                    .record().groupId());
            groups.delete(created.getGroupId(), TENANT);
        }
    }

    @Test
    void aDeleteCutShortAfterItsFirstStepIsFinishedByTheNextSweep() throws Exception {
        Path data = Files.createTempDirectory(backends.dataDir, "cut-short");
        String id;
        String runId;
        try (Backends channels = channels(); ExperimentSupervisor supervisor = supervisor(channels, data)) {
            id = finished(supervisor, 20);
            runId = supervisor.get(id, TENANT).record().runId();
        }
        // What a crash right after the delete's first step leaves: the folder moved aside, the run still there.
        Files.move(data.resolve(id), data.resolve(".deleted-" + id));
        assertTrue(Files.isDirectory(checkpoints.resolve(runId)));
        try (Backends channels = channels(); ExperimentSupervisor supervisor = supervisor(channels, data)) {
            supervisor.resume();
            assertEquals(Status.Code.NOT_FOUND, assertThrows(RequestException.class, () -> supervisor.get(id, TENANT)).code());
            ExperimentStore store = new ExperimentStore(data);
            StoredBytes storedBytes = new StoredBytes(channels, store);
            new Retention(supervisor, groups(supervisor, channels, data), storedBytes, Optional.empty(), OptionalLong.empty())
                    .sweep(System.currentTimeMillis());
        }
        assertTrue(Files.notExists(checkpoints.resolve(runId)), "the trainer's run is deleted");
        try (Stream<Path> left = Files.list(data)) {
            assertEquals(List.of(), left.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(".deleted-")).toList());
        }
    }

    private Groups groups(ExperimentSupervisor supervisor, Backends channels, Path data) {
        StoredBytes storedBytes = new StoredBytes(channels, new ExperimentStore(data));
        return new Groups(supervisor, new Reports(channels), quotas(supervisor, storedBytes, OptionalLong.empty()), data, 4);
    }

    private static Quotas quotas(ExperimentSupervisor supervisor, StoredBytes storedBytes, OptionalLong maxBytes) {
        return new Quotas(supervisor, storedBytes, OptionalInt.empty(), maxBytes);
    }

    /** The experiment's bytes as the directories hold them: its gateway folder and its run's folder at the trainer. */
    private long bytesOnDisk(Path data, ExperimentSupervisor supervisor, String id) {
        return folderBytes(data.resolve(id)) + folderBytes(checkpoints.resolve(supervisor.get(id, TENANT).record().runId()));
    }

    private static long folderBytes(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String finished(ExperimentSupervisor supervisor, long steps) throws InterruptedException {
        String id = supervisor.create(request(steps), TENANT).id();
        Experiment experiment = supervisor.get(id, TENANT);
        await(() -> experiment.record().state() != ExperimentState.EXPERIMENT_STATE_RUNNING);
        return id;
    }

    private static long finishedAt(ExperimentSupervisor supervisor, String id) {
        return supervisor.get(id, TENANT).record().finishedMillis();
    }

    private static CreateExperimentRequest request(long steps) {
        return CreateExperimentRequest.newBuilder().setRun(ExperimentEndToEndTest.tinyRun(steps)).build();
    }

    private Backends channels() {
        return new Backends(InternalChannels.open(), "localhost:" + backends.trainerPort, "localhost:" + backends.metricsPort,
                "localhost:" + backends.tdaPort);
    }

    private static ExperimentSupervisor supervisor(Backends channels, Path data) {
        return new ExperimentSupervisor(channels, new ExperimentStore(data), 1, 5, 60, 600, 262_144, new SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("test"));
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(50);
        }
    }
}
