package org.emergence.proto.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.util.Optional;

/**
 * The secret the suite's services share (setting {@value #SETTING}): every call one service makes
 * to another carries it as {@code x-emergence-service} metadata ({@link #sender()}), and the
 * internal services (trainer, metrics, tda) refuse a call without it, UNAUTHENTICATED. A header
 * of its own, so it never meets the tenants' {@code authorization} bearer tokens the gateway
 * checks. Unset or empty: off, for the one-machine demo. Health and reflection ({@code grpc.*}
 * services) stay open so that probes and grpcurl work without it.
 */
public class ServiceCredential implements ServerInterceptor {

    public static final String SETTING = "emergence.service-credential";
    static final Metadata.Key<String> HEADER = Metadata.Key.of("x-emergence-service", Metadata.ASCII_STRING_MARSHALLER);

    private final String secret;
    private final byte[] digest;

    public ServiceCredential(Optional<String> secret) {
        this.secret = secret.map(String::trim).orElse("");
        this.digest = Secrets.digest(this.secret);
    }

    public boolean enabled() {
        return !secret.isEmpty();
    }

    /** Adds the credential to every call made on a channel (nothing when off). */
    public ClientInterceptor sender() {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        if (enabled()) {
                            headers.put(HEADER, secret);
                        }
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        boolean open = !enabled() || service == null || service.startsWith("grpc.");
        if (open || Secrets.matches(headers.get(HEADER), digest)) {
            return next.startCall(call, headers);
        }
        call.close(Status.UNAUTHENTICATED.withDescription("service credential required"), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
