package org.emergence.cli.reproduce;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a claim's check found: whether it reproduced, in one sentence why, the numbers it was
 * judged on (evidence), the arrays behind them, the figures drawn, and the wall time.
 *
 * @param reasoning one sentence: what was compared with what
 */
public record Verdict(String claim, String statement, String source, Scale scale, long seed, boolean reproduced,
                      String reasoning, Map<String, Double> evidence, Map<String, double[]> arrays,
                      List<Path> figures, double wallSeconds) {

    public Verdict {
        // Insertion order is the order a person reads the evidence in.
        evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
        arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
        figures = List.copyOf(figures);
    }

    /** Collects a claim's evidence while it runs; {@link #judge} closes it into a verdict. */
    public static final class Builder {
        private final Claim claim;
        private final ClaimRun run;
        private final Map<String, Double> evidence = new LinkedHashMap<>();
        private final Map<String, double[]> arrays = new LinkedHashMap<>();
        private final List<Path> figures = new ArrayList<>();

        public Builder(Claim claim, ClaimRun run) {
            this.claim = claim;
            this.run = run;
        }

        public Builder evidence(String name, double value) {
            evidence.put(name, value);
            return this;
        }

        public Builder array(String name, double[] values) {
            arrays.put(name, values.clone());
            return this;
        }

        public Builder figure(Path figure) {
            figures.add(figure);
            return this;
        }

        public Verdict judge(boolean reproduced, String reasoning) {
            return new Verdict(claim.name(), claim.statement(), claim.source(), run.scale(), run.seed(), reproduced,
                    reasoning, evidence, arrays, figures, (System.nanoTime() - run.startNanos()) / 1e9);
        }
    }

    /** The verdict as one JSON document; a non-finite number (a measurement that failed) is null. */
    public String toJson() {
        JsonObject json = new JsonObject();
        json.addProperty("claim", claim);
        json.addProperty("statement", statement);
        json.addProperty("source", source);
        json.addProperty("scale", scale.name().toLowerCase(Locale.ROOT));
        json.addProperty("seed", seed);
        json.addProperty("reproduced", reproduced);
        json.addProperty("reasoning", reasoning);
        JsonObject evidenceJson = new JsonObject();
        evidence.forEach((name, value) -> evidenceJson.add(name, number(value)));
        json.add("evidence", evidenceJson);
        JsonObject arraysJson = new JsonObject();
        arrays.forEach((name, values) -> {
            JsonArray array = new JsonArray(values.length);
            for (double v : values) {
                array.add(number(v));
            }
            arraysJson.add(name, array);
        });
        json.add("arrays", arraysJson);
        JsonArray figuresJson = new JsonArray();
        figures.forEach(f -> figuresJson.add(f.toString()));
        json.add("figures", figuresJson);
        json.addProperty("wall_seconds", Math.round(wallSeconds * 10) / 10.0);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(json);
    }

    private static com.google.gson.JsonElement number(double value) {
        return Double.isFinite(value) ? new JsonPrimitive(value) : JsonNull.INSTANCE;
    }

    /** The verdict for a person: the claim, the outcome and why, then the evidence. */
    public void print(PrintStream out) {
        out.printf("claim       %s: %s%n", claim, statement);
        out.printf("source      %s%n", source);
        out.printf("scale       %s, seed %d%n", scale.name().toLowerCase(Locale.ROOT), seed);
        out.printf("verdict     %s%n", reproduced ? "REPRODUCED" : "NOT REPRODUCED");
        out.printf("why         %s%n", reasoning);
        int width = evidence.keySet().stream().mapToInt(String::length).max().orElse(0);
        evidence.forEach((name, value) -> out.printf("  %-" + width + "s  %s%n", name, format(value)));
        figures.forEach(f -> out.printf("figure      %s%n", f));
        out.printf("wall time   %.1f s%n", wallSeconds);
    }

    private static String format(double value) {
        if (!Double.isFinite(value)) {
            return "n/a";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e9 ? String.valueOf((long) value)
                : String.format(Locale.ROOT, "%.4g", value);
    }
}
