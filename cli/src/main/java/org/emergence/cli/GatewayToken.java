package org.emergence.cli;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import picocli.CommandLine.Option;

/**
 * The bearer token a command sends to a gateway with tenants (a picocli mixin, beside
 * {@link SuiteOptions} in the commands that may talk to such a gateway).
 */
public final class GatewayToken {

    @Option(names = "--token", description = "Bearer token for a gateway with tenants (default: $EMERGENCE_TOKEN)")
    String token = System.getenv("EMERGENCE_TOKEN");

    /** {@code channel} with every call carrying the token; {@code channel} itself when there is none. */
    public Channel authenticate(Channel channel) {
        if (token == null || token.isEmpty()) {
            return channel;
        }
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
