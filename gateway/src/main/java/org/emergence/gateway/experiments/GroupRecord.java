package org.emergence.gateway.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.GroupSweep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the gateway keeps of a group: who owns it, what it sweeps, and its members in sweep order
 * with their values. Immutable; the members are ordinary experiments that carry the group's id.
 */
record GroupRecord(String id, String tenant, String name, CreateExperimentRequest base, GroupSweep sweep,
                   List<Member> members, long createdMillis) {

    record Member(String experimentId, String value) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    GroupRecord withMember(Member member) {
        List<Member> more = new ArrayList<>(members);
        more.add(member);
        return new GroupRecord(id, tenant, name, base, sweep, List.copyOf(more), createdMillis);
    }

    String toJson(JsonFormat.Printer printer) {
        try {
            ObjectNode node = JSON.createObjectNode().put("id", id).put("tenant", tenant).put("name", name)
                    .put("createdMillis", createdMillis);
            node.set("base", JSON.readTree(printer.print(base)));
            node.set("sweep", JSON.readTree(printer.print(sweep)));
            ArrayNode list = node.putArray("members");
            members.forEach(m -> list.addObject().put("experimentId", m.experimentId()).put("value", m.value()));
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GroupRecord fromJson(String text, JsonFormat.Parser parser) {
        try {
            JsonNode node = JSON.readTree(text);
            CreateExperimentRequest.Builder base = CreateExperimentRequest.newBuilder();
            parser.merge(node.get("base").toString(), base);
            GroupSweep.Builder sweep = GroupSweep.newBuilder();
            parser.merge(node.get("sweep").toString(), sweep);
            List<Member> members = new ArrayList<>();
            node.get("members").forEach(m -> members.add(new Member(m.get("experimentId").asText(), m.get("value").asText())));
            return new GroupRecord(node.get("id").asText(), node.get("tenant").asText(), node.get("name").asText(),
                    base.build(), sweep.build(), List.copyOf(members), node.get("createdMillis").asLong());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("group.json holds an invalid request", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
