package org.emergence.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One tab of headless Chromium driven over its DevTools protocol (a WebSocket): navigate, run
 * script in the page as a user's clicks and typing would, wait for the page to show something,
 * take a full-page screenshot. A real browser on the real page; nothing of the page is replaced.
 */
final class DevToolsPage implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://[^/]+)/");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private final Process chromium;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private DevToolsPage(Process chromium, WebSocket.Builder builder, URI page) {
        this.chromium = chromium;
        this.socket = builder.buildAsync(page, new Listener()).join();
    }

    /** A fresh browser (its own profile under {@code target}) with one blank tab of the given size. */
    static DevToolsPage open(Path target, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(Files.createDirectories(target), "chromium-devtools-");
        Process process = new ProcessBuilder(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--remote-debugging-port=0",
                "--window-size=" + width + "," + height, "about:blank")).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String endpoint = endpoint(process, target.resolve("chromium.log"));
        HttpClient http = HttpClient.newHttpClient();
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(endpoint.replace("ws://", "http://")
                + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode t : targets) {
            if (t.path("type").asText().equals("page")) {
                DevToolsPage page = new DevToolsPage(process, http.newWebSocketBuilder(),
                        URI.create(t.path("webSocketDebuggerUrl").asText()));
                page.call("Page.enable", Map.of());
                page.call("Runtime.enable", Map.of());
                return page;
            }
        }
        process.destroy();
        throw new IllegalStateException("chromium has no page target: " + targets);
    }

    /** Reads Chromium's stderr until it names its DevTools endpoint, then keeps copying it to {@code log}. */
    private static String endpoint(Process process, Path log) throws InterruptedException {
        CompletableFuture<String> found = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = err.readLine()) != null; ) {
                    Files.writeString(log, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        found.complete(m.group(1));
                    }
                }
                found.completeExceptionally(new IllegalStateException("chromium exited without a DevTools endpoint"));
            } catch (IOException e) {
                found.completeExceptionally(e);
            }
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return found.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroy();
            throw new IllegalStateException("chromium did not start, see target/chromium.log", e);
        }
    }

    /** One DevTools command; its result, or an AssertionError with the protocol's error. */
    JsonNode call(String method, Map<String, ?> params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true).join();
            JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (reply.has("error")) {
                throw new AssertionError(method + ": " + reply.get("error"));
            }
            return reply.path("result");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError(method + " got no answer", e);
        } finally {
            pending.remove(id);
        }
    }

    /** Opens {@code url} and waits until it has loaded (the old page's readyState does not count). */
    void navigate(String url) {
        call("Page.navigate", Map.of("url", url));
        try {
            await("location.href === " + JSON.writeValueAsString(url) + " && document.readyState === 'complete'",
                    Duration.ofSeconds(30));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of a script run in the page (a promise is awaited); a thrown error fails the test with its text. */
    JsonNode evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new AssertionError("script failed: " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** Polls {@code expression} until it is truthy; its value then. */
    JsonNode await(String expression, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        JsonNode value = evaluate(expression);
        while (!truthy(value)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the page never showed " + expression + " in " + timeout);
            }
            sleep();
            value = evaluate(expression);
        }
        return value;
    }

    private static boolean truthy(JsonNode value) {
        return !(value.isMissingNode() || value.isNull() || value.isBoolean() && !value.asBoolean()
                || value.isNumber() && value.asDouble() == 0 || value.isTextual() && value.asText().isEmpty());
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The whole page, not only the window, as a PNG. */
    void screenshot(Path file) throws IOException {
        JsonNode size = call("Page.getLayoutMetrics", Map.of()).path("cssContentSize");
        capture(file, 0, 0, size.path("width").asDouble(), size.path("height").asDouble());
    }

    /** The element {@code selector} finds, as a PNG. */
    void screenshot(Path file, String selector) throws IOException {
        JsonNode box = evaluate("(r => ({x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}))"
                + "(document.querySelector(" + JSON.writeValueAsString(selector) + ").getBoundingClientRect())");
        capture(file, box.path("x").asDouble(), box.path("y").asDouble(), box.path("w").asDouble(), box.path("h").asDouble());
    }

    private void capture(Path file, double x, double y, double width, double height) throws IOException {
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
                "clip", Map.of("x", x, "y", y, "width", width, "height", height, "scale", 1)));
        Files.write(file, Base64.getDecoder().decode(shot.path("data").asText()));
    }

    @Override
    public void close() throws InterruptedException {
        socket.abort();
        chromium.destroy();
        if (!chromium.waitFor(10, TimeUnit.SECONDS)) {
            chromium.destroyForcibly();
        }
    }

    /** Collects each (possibly fragmented) message and completes the call it answers; events are ignored. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                try {
                    JsonNode node = JSON.readTree(message.toString());
                    CompletableFuture<JsonNode> call = node.has("id") ? pending.get(node.get("id").asInt()) : null;
                    if (call != null) {
                        call.complete(node);
                    }
                } catch (IOException e) {
                    pending.values().forEach(c -> c.completeExceptionally(e));
                }
                message.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
