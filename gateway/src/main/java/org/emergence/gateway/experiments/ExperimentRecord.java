package org.emergence.gateway.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.Provenance;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadDescription;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the gateway keeps of an experiment besides its logs; immutable, replaced on change.
 * {@code workload} is the trainer's description of the run's workload (how its report reads),
 * taken once at creation, as is {@code trainerProvenance}, the provenance of the trainer that
 * trains it (the default instance for experiments recorded before provenance was). {@code groupId}
 * names the group it is a member of (empty: none).
 */
public record ExperimentRecord(String id, String tenant, String name, String runId, RunConfig run, AnalysisPlan plan,
                               WorkloadDescription workload, ExperimentState state, String message, long createdMillis,
                               long finishedMillis, Provenance trainerProvenance, String groupId) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ExperimentRecord withState(ExperimentState newState, String newMessage, long finished) {
        return new ExperimentRecord(id, tenant, name, runId, run, plan, workload, newState, newMessage, createdMillis,
                finished, trainerProvenance, groupId);
    }

    String toJson(JsonFormat.Printer printer) {
        try {
            ObjectNode node = JSON.createObjectNode()
                    .put("id", id).put("tenant", tenant).put("name", name).put("runId", runId)
                    .put("state", state.name()).put("message", message)
                    .put("createdMillis", createdMillis).put("finishedMillis", finishedMillis)
                    .put("groupId", groupId);
            node.set("run", JSON.readTree(printer.print(run)));
            node.set("plan", JSON.readTree(printer.print(plan)));
            node.set("workload", JSON.readTree(printer.print(workload)));
            node.set("trainerProvenance", JSON.readTree(printer.print(trainerProvenance)));
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ExperimentRecord fromJson(String text, JsonFormat.Parser parser) {
        try {
            JsonNode node = JSON.readTree(text);
            RunConfig.Builder run = RunConfig.newBuilder();
            parser.merge(node.get("run").toString(), run);
            AnalysisPlan.Builder plan = AnalysisPlan.newBuilder();
            parser.merge(node.get("plan").toString(), plan);
            WorkloadDescription.Builder workload = WorkloadDescription.newBuilder();
            parser.merge(node.get("workload").toString(), workload);
            Provenance.Builder trainerProvenance = Provenance.newBuilder();
            if (node.has("trainerProvenance")) {
                parser.merge(node.get("trainerProvenance").toString(), trainerProvenance);
            }
            return new ExperimentRecord(node.get("id").asText(), node.get("tenant").asText(), node.get("name").asText(),
                    node.get("runId").asText(), run.build(), plan.build(), workload.build(),
                    ExperimentState.valueOf(node.get("state").asText()), node.get("message").asText(),
                    node.get("createdMillis").asLong(), node.get("finishedMillis").asLong(), trainerProvenance.build(),
                    node.path("groupId").asText(""));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("experiment.json holds an invalid config", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
