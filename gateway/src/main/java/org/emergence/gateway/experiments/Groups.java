package org.emergence.gateway.experiments;

import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import org.emergence.durable.DurableFiles;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.CreateGroupRequest;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetGroupReportResponse;
import org.emergence.proto.v1.Group;
import org.emergence.proto.v1.GroupMember;
import org.emergence.proto.v1.ListGroupsRequest;
import org.emergence.proto.v1.ListGroupsResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Groups of experiments: a sweep over seeds or one config field ({@link Sweeps}), one ordinary
 * experiment per value, each carrying the group's id. A group is kept as
 * {@code <data-dir>/groups/<id>.json}, rewritten durably as each member starts; creation is all
 * or nothing (members already started are deleted if a later one cannot start).
 */
public final class Groups {

    private static final Logger LOG = Logger.getLogger(Groups.class.getName());
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private final ExperimentSupervisor supervisor;
    private final Reports reports;
    private final Quotas quotas;
    private final Path folder;
    private final int maxMembers;
    private final Map<String, GroupRecord> groups = new ConcurrentHashMap<>();

    public Groups(ExperimentSupervisor supervisor, Reports reports, Quotas quotas, Path dataDir, int maxMembers) {
        this.supervisor = supervisor;
        this.reports = reports;
        this.quotas = quotas;
        this.folder = dataDir.resolve("groups");
        this.maxMembers = maxMembers;
    }

    /** Loads the groups on disk; one that does not parse is moved aside and logged. */
    public void load() {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    GroupRecord group = GroupRecord.fromJson(Files.readString(file), PARSER);
                    groups.put(group.id(), group);
                } catch (IOException | RuntimeException e) {
                    DurableFiles.quarantine(file, "group " + file.getFileName() + " is unreadable and left out: " + e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + folder, e);
        }
    }

    public Group create(CreateGroupRequest request, String tenant) {
        if (!request.hasBase() || !request.getBase().hasRun()) {
            throw RequestException.invalid("base.run", "base.run is required: the config every member shares");
        }
        CreateExperimentRequest base = request.getBase();
        List<Sweeps.Member> planned = Sweeps.expand(base.getRun(), request.getSweep(), maxMembers);
        String id = "grp-" + UUID.randomUUID().toString().substring(0, 8);
        String name = request.getName().isBlank() ? id : request.getName();
        String label = request.getSweep().hasSeeds() ? "seed" : request.getSweep().getField().getPath();
        return quotas.admit(tenant, planned.size(), () -> {
            GroupRecord group = new GroupRecord(id, tenant, name, base, request.getSweep(), List.of(),
                    System.currentTimeMillis());
            save(group);
            try {
                for (Sweeps.Member member : planned) {
                    ExperimentRecord experiment = supervisor.create(base.toBuilder().setRun(member.run())
                            .setName(name + " " + label + "=" + member.value()).build(), tenant, id);
                    group = group.withMember(new GroupRecord.Member(experiment.id(), member.value()));
                    save(group);
                }
            } catch (RuntimeException e) {
                LOG.info("group " + id + " not created, its " + group.members().size() + " started members deleted: " + e);
                delete(id, tenant);
                throw e;
            }
            return resource(group);
        });
    }

    public Group get(String id, String tenant) {
        return resource(record(id, tenant));
    }

    public ListGroupsResponse list(String tenant, ListGroupsRequest request) {
        List<GroupRecord> own = groups.values().stream().filter(g -> g.tenant().equals(tenant)).toList();
        ExperimentPages.Page<GroupRecord> page = ExperimentPages.page(own,
                g -> new ExperimentPages.Position(g.createdMillis(), g.id()), request.getPageSize(), request.getPageToken());
        return ListGroupsResponse.newBuilder().addAllGroups(page.items().stream().map(this::resource).toList())
                .setNextPageToken(page.nextPageToken()).build();
    }

    public GetGroupReportResponse report(String id, String tenant) {
        GroupRecord group = record(id, tenant);
        Group resource = resource(group);
        return GroupReports.build(resource, members(group).stream().map(reports::report).toList());
    }

    /** Stops every running member, then waits up to {@code waitMillis} in all for them to end. */
    public Group stop(String id, String tenant, long waitMillis) {
        GroupRecord group = record(id, tenant);
        List<Experiment> members = members(group);
        members.stream().filter(Experiment::isActive).forEach(e -> supervisor.stop(e.record().id(), tenant, 0));
        long deadline = System.currentTimeMillis() + waitMillis;
        try {
            for (Experiment member : members) {
                member.awaitEnd(Math.max(0, deadline - System.currentTimeMillis()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RequestException.unavailable("the gateway is shutting down");
        }
        return resource(group);
    }

    /** Deletes every member still there, then the group. */
    public void delete(String id, String tenant) {
        GroupRecord group = record(id, tenant);
        for (Experiment member : members(group)) {
            supervisor.delete(member.record().id(), tenant);
        }
        remove(group);
    }

    /** Drops the groups whose members are all gone (deleted one by one, or by retention). */
    void dropEmpty() {
        Set<String> existing = supervisor.everyTenant().stream().map(e -> e.record().id()).collect(Collectors.toSet());
        groups.values().stream()
                .filter(g -> !g.members().isEmpty() && g.members().stream().noneMatch(m -> existing.contains(m.experimentId())))
                .forEach(this::remove);
    }

    private GroupRecord record(String id, String tenant) {
        GroupRecord group = groups.get(id);
        if (group == null || !group.tenant().equals(tenant)) {
            throw RequestException.notFound("no group " + id);
        }
        return group;
    }

    /** The members that still exist, in sweep order. */
    private List<Experiment> members(GroupRecord group) {
        Map<String, Experiment> own = supervisor.all(group.tenant()).stream()
                .collect(Collectors.toMap(e -> e.record().id(), Function.identity()));
        return group.members().stream().map(m -> own.get(m.experimentId())).filter(e -> e != null).toList();
    }

    private Group resource(GroupRecord group) {
        Map<String, String> values = group.members().stream()
                .collect(Collectors.toMap(GroupRecord.Member::experimentId, GroupRecord.Member::value));
        List<GroupMember> members = members(group).stream().map(e -> GroupMember.newBuilder()
                .setExperimentId(e.record().id()).setValue(values.get(e.record().id())).setState(e.record().state())
                .build()).toList();
        return Group.newBuilder().setGroupId(group.id()).setName(group.name()).setBase(group.base())
                .setSweep(group.sweep()).addAllMembers(members).setState(state(members))
                .setCreateTime(Timestamps.fromMillis(group.createdMillis())).build();
    }

    /** RUNNING while any member runs; then COMPLETED if all completed, else the first of FAILED, STOPPED, INCOMPLETE. */
    static ExperimentState state(List<GroupMember> members) {
        Set<ExperimentState> states = members.stream().map(GroupMember::getState).collect(Collectors.toSet());
        for (ExperimentState state : List.of(ExperimentState.EXPERIMENT_STATE_RUNNING,
                ExperimentState.EXPERIMENT_STATE_FAILED, ExperimentState.EXPERIMENT_STATE_STOPPED,
                ExperimentState.EXPERIMENT_STATE_INCOMPLETE, ExperimentState.EXPERIMENT_STATE_COMPLETED)) {
            if (states.contains(state)) {
                return state;
            }
        }
        return ExperimentState.EXPERIMENT_STATE_UNSPECIFIED;
    }

    private void save(GroupRecord group) {
        DurableFiles.write(folder.resolve(group.id() + ".json"), group.toJson(PRINTER).getBytes(StandardCharsets.UTF_8));
        groups.put(group.id(), group);
    }

    private void remove(GroupRecord group) {
        groups.remove(group.id());
        try {
            Files.deleteIfExists(folder.resolve(group.id() + ".json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove group " + group.id(), e);
        }
    }
}
