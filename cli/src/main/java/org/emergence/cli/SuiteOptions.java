package org.emergence.cli;

import io.grpc.ManagedChannelBuilder;
import org.emergence.proto.grpc.InternalChannels;
import org.emergence.proto.grpc.ServiceCredential;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a command finds the running suite (a picocli mixin): the gateway's address, the
 * certificate to trust where the gateway serves TLS, and the services the launcher just started,
 * which must answer SERVING before the command talks to them.
 */
public final class SuiteOptions {

    @Option(names = "--target", description = "Gateway address (default: ${DEFAULT-VALUE})")
    String target = "localhost:9100";

    @Option(names = "--trust-certificate", paramLabel = "PEM", description = "Speak TLS to the gateway, trusting "
            + "this PEM certificate or CA (default: $EMERGENCE_TRUST_CERTIFICATE; none: plaintext)")
    Path trustCertificate = Optional.ofNullable(System.getenv("EMERGENCE_TRUST_CERTIFICATE"))
            .filter(pem -> !pem.isBlank()).map(Path::of).orElse(null);

    @Option(names = "--wait-for", split = ",", description = "host:port of services whose gRPC health must be SERVING first")
    List<String> waitFor = List.of();

    /** The gateway's address, once every service of {@code --wait-for} is SERVING. */
    public String awaitGateway() throws InterruptedException {
        ServiceHealth.awaitServing(waitFor);
        return target;
    }

    /**
     * A channel to the gateway, once every service of {@code --wait-for} is SERVING: TLS trusting
     * {@code --trust-certificate} where one is given, plaintext otherwise. The same transport as
     * the services' own channels ({@link InternalChannels}), without their service credential.
     */
    public ManagedChannelBuilder<?> awaitGatewayChannel() throws InterruptedException {
        return new InternalChannels(new ServiceCredential(Optional.empty()), Optional.ofNullable(trustCertificate))
                .forTarget(awaitGateway());
    }
}
