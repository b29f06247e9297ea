package org.emergence.cli;

import picocli.CommandLine.Option;

import java.util.List;

/**
 * Where a command finds the running suite (a picocli mixin): the gateway's address, and the
 * services the launcher just started, which must answer SERVING before the command talks to them.
 */
public final class SuiteOptions {

    @Option(names = "--target", description = "Gateway address (default: ${DEFAULT-VALUE})")
    String target = "localhost:9100";

    @Option(names = "--wait-for", split = ",", description = "host:port of services whose gRPC health must be SERVING first")
    List<String> waitFor = List.of();

    /** The gateway's address, once every service of {@code --wait-for} is SERVING. */
    public String awaitGateway() throws InterruptedException {
        ServiceHealth.awaitServing(waitFor);
        return target;
    }
}
