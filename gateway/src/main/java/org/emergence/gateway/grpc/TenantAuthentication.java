package org.emergence.gateway.grpc;

import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens to tenants. With {@code gateway.auth.tokens} set (tenant=token pairs), every
 * experiments call must carry {@code authorization: Bearer <token>} and sees only its tenant's
 * experiments; without it the gateway is single-tenant and open (the embedded default).
 * Health and reflection stay open so probes and grpcurl work. The JSON API over HTTP applies the
 * same rule through {@link #authenticate(String)}.
 */
@ApplicationScoped
public class TenantAuthentication implements ServerInterceptor {

    /** The caller's tenant, for the duration of a call. */
    public static final Context.Key<String> TENANT = Context.key("emergence-tenant");
    public static final String OPEN_TENANT = "default";
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Map<String, String> tenantByToken = new HashMap<>();

    public TenantAuthentication(@ConfigProperty(name = "gateway.auth.tokens") Optional<List<String>> tokens) {
        for (String pair : tokens.orElse(List.of())) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("gateway.auth.tokens: expected tenant=token, got " + pair);
            }
            tenantByToken.put(pair.substring(eq + 1).trim(), pair.substring(0, eq).trim());
        }
    }

    /**
     * The tenant an {@code Authorization} header value (null when absent) speaks for: the open
     * tenant when no tokens are configured, else the token's tenant.
     *
     * @throws RequestException UNAUTHENTICATED when tokens are configured and the header
     *         carries none, or one no tenant holds
     */
    public String authenticate(String authorizationHeader) {
        if (tenantByToken.isEmpty()) {
            return OPEN_TENANT;
        }
        if (authorizationHeader == null) {
            throw RequestException.unauthenticated("authorization: a bearer token is required");
        }
        String tenant = authorizationHeader.startsWith("Bearer ")
                ? tenantByToken.get(authorizationHeader.substring("Bearer ".length()).trim()) : null;
        if (tenant == null) {
            throw RequestException.unauthenticated("authorization: unknown token");
        }
        return tenant;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String tenant;
        try {
            tenant = authenticate(headers.get(AUTHORIZATION));
        } catch (RequestException e) {
            StatusRuntimeException status = Calls.toStatus(e);
            call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(Context.current().withValue(TENANT, tenant), call, headers, next);
    }
}
