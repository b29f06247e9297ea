package org.emergence.proto.configs;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import org.emergence.proto.v1.RunConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The demo's run: the smallest config that groks reliably on two CPU cores (README.md says why).
 * It lives in one file, {@value #RESOURCE} (proto3 JSON), which the demo command, the tests and
 * the Python and Node clients all read; flags override single fields.
 */
public final class DemoRun {

    public static final String RESOURCE = "emergence/v1/configs/demo-run.json";

    private DemoRun() {
    }

    public static RunConfig config() {
        try (InputStream in = DemoRun.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            RunConfig.Builder run = RunConfig.newBuilder();
            JsonFormat.parser().merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), run);
            return run.build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(RESOURCE + " is not a RunConfig", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
