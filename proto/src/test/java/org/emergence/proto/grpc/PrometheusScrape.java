package org.emergence.proto.grpc;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's {@code /q/metrics} read as the Prometheus text exposition format (version 0.0.4):
 * every sample line {@code name{labels} value}, checked against the format as it is parsed, so a
 * test that reads a counter also proves the page is valid Prometheus text.
 */
public final class PrometheusScrape {

    /** A sample: metric name, optional label set, a float (NaN and +-Inf included), optional timestamp. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})? "
                    + "([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?"
                    // An OpenMetrics exemplar (with tracing on the classpath, Micrometer attaches the span of a sample).
                    + "(?: # \\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\} [-+]?[0-9.eE+-]+(?: [0-9.]+)?)?");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

    private final Map<String, Double> samples;

    private PrometheusScrape(Map<String, Double> samples) {
        this.samples = samples;
    }

    /** GETs {@code http://localhost:PORT/q/metrics} and parses it; fails on any line that is not Prometheus text. */
    public static PrometheusScrape of(int httpPort) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + httpPort + "/q/metrics")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("/q/metrics answered " + response.statusCode());
        }
        return parse(response.body());
    }

    public static PrometheusScrape parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.equals("# EOF")) {
                continue;
            }
            if (line.startsWith("#")) {
                if (!COMMENT.matcher(line).matches()) {
                    throw new AssertionError("not a Prometheus comment line: " + line);
                }
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new AssertionError("not a Prometheus sample line: " + line);
            }
            String value = sample.group(4).replace("Inf", "Infinity");
            samples.put(sample.group(1) + (sample.group(3) == null ? "" : "{" + sample.group(3) + "}"), Double.parseDouble(value));
        }
        return new PrometheusScrape(samples);
    }

    /** The sum over every sample of {@code name} whose labels contain each of {@code labels} (e.g. {@code method="StartRun"}). */
    public double sum(String name, String... labels) {
        double total = 0;
        for (Map.Entry<String, Double> sample : samples.entrySet()) {
            String key = sample.getKey();
            if (!(key.equals(name) || key.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= key.contains(label);
            }
            if (all) {
                total += sample.getValue();
            }
        }
        return total;
    }

    public boolean has(String name) {
        return samples.keySet().stream().anyMatch(k -> k.equals(name) || k.startsWith(name + "{"));
    }
}
