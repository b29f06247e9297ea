package org.emergence.system;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.emergence.cli.reproduce.Claim;
import org.emergence.cli.reproduce.Claims;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every claim of {@code ./emergence reproduce} at smoke scale, as the launcher runs it: the
 * command in a JVM of its own with {@code --json}, against the four services as processes (it talks
 * to the gateway alone). Each
 * must exit 0 with one well-formed verdict on stdout (reproduced or not: at smoke scale only the
 * mechanism has to start) whose figures exist as PNG files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReproduceSmokeTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    private Path data;
    private ServiceSuite suite;

    @BeforeAll
    void startServices() throws Exception {
        data = Files.createDirectories(Path.of("target", "reproduce-" + System.currentTimeMillis()));
        suite = ServiceSuite.create(data, Map.of());
        suite.start();
    }

    @AfterAll
    void stopServices() throws InterruptedException {
        if (suite != null) {
            suite.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyClaimGivesAWellFormedVerdictAtSmokeScale() {
        return Claims.all().stream().map(claim -> DynamicTest.dynamicTest(claim.name(), () -> check(claim)));
    }

    private void check(Claim claim) throws Exception {
        Path out = data.resolve(claim.name());
        Path stdout = data.resolve(claim.name() + ".json");
        Path stderr = data.resolve(claim.name() + ".log");
        Process process = CliProcess.builder("org.emergence.cli.reproduce.ReproduceCommand", List.of(claim.name(),
                        "--scale", "smoke", "--json", "--out", out.toString(), "--target", suite.gateway().target()))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(claim.name() + " ran past 10 minutes at smoke scale; see " + stderr);
        }
        assertEquals(0, process.exitValue(), claim.name() + " exited " + process.exitValue() + ": "
                + Files.readString(stderr, StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElse(""));

        JsonObject verdict = JsonParser.parseString(Files.readString(stdout)).getAsJsonObject();
        assertEquals(claim.name(), verdict.get("claim").getAsString());
        assertEquals(claim.statement(), verdict.get("statement").getAsString());
        assertEquals("smoke", verdict.get("scale").getAsString());
        assertTrue(verdict.get("reproduced").getAsJsonPrimitive().isBoolean(), "reproduced is true or false");
        assertFalse(verdict.get("reasoning").getAsString().isBlank(), "the verdict says why");
        assertFalse(verdict.getAsJsonObject("evidence").isEmpty(), "the verdict names the numbers it was judged on");
        assertFalse(verdict.getAsJsonObject("arrays").isEmpty(), "the arrays behind the evidence come with it");
        assertTrue(verdict.get("wall_seconds").getAsDouble() > 0);
        assertFalse(verdict.getAsJsonArray("figures").isEmpty(), "a figure is drawn");
        for (var figure : verdict.getAsJsonArray("figures")) {
            byte[] png = Files.readAllBytes(Path.of(figure.getAsString()));
            assertTrue(png.length > 1_000, figure + " is a real image");
            for (int i = 0; i < PNG_MAGIC.length; i++) {
                assertEquals(PNG_MAGIC[i], png[i], figure + " is a PNG");
            }
        }
        assertEquals(JsonParser.parseString(Files.readString(out.resolve("verdict.json"))), verdict,
                "the folder keeps the verdict printed");
    }
}
