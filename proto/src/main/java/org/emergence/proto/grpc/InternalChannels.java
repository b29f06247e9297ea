package org.emergence.proto.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How one service of the suite reaches another: TLS when a trust certificate (PEM, setting
 * {@value #TRUST_SETTING}) is configured, plaintext otherwise; the service credential on every
 * call; round robin per call over a {@code dns:///} target's addresses (every pod of a headless
 * Service a subchannel).
 */
public record InternalChannels(ServiceCredential credential, Optional<Path> trustCertificate) {

    public static final String TRUST_SETTING = "emergence.tls.trust-certificate";

    /** The one-machine demo's: plaintext, no service credential. */
    public static InternalChannels open() {
        return new InternalChannels(new ServiceCredential(Optional.empty()), Optional.empty());
    }

    public ManagedChannelBuilder<?> forTarget(String target) {
        return Grpc.newChannelBuilder(target, transport())
                .defaultLoadBalancingPolicy("round_robin")
                .intercept(credential.sender());
    }

    private ChannelCredentials transport() {
        if (trustCertificate.isEmpty()) {
            return InsecureChannelCredentials.create();
        }
        try {
            return TlsChannelCredentials.newBuilder().trustManager(trustCertificate.get().toFile()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(TRUST_SETTING + ": cannot read " + trustCertificate.get(), e);
        }
    }
}
