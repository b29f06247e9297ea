package org.emergence.gateway.grpc;

import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.grpc.Secrets;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bearer tokens to tenants. With {@code gateway.auth.tokens} set (tenant=token pairs), every
 * call (experiments, and the measurement services the gateway forwards) must carry
 * {@code authorization: Bearer <token>} and sees only its tenant's experiments and runs; without it the gateway is single-tenant and open (the embedded default).
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

    /** Tenants by the SHA-256 of their token: looked up in constant time (see {@link #tenantOf}). */
    private final Map<String, byte[]> tokenDigestByTenant = new LinkedHashMap<>();

    public TenantAuthentication(@ConfigProperty(name = "gateway.auth.tokens") Optional<List<String>> tokens) {
        for (String pair : tokens.orElse(List.of())) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new IllegalArgumentException("gateway.auth.tokens: expected tenant=token, got " + pair);
            }
            tokenDigestByTenant.put(pair.substring(0, eq).trim(), Secrets.digest(pair.substring(eq + 1).trim()));
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
        if (tokenDigestByTenant.isEmpty()) {
            return OPEN_TENANT;
        }
        if (authorizationHeader == null) {
            throw RequestException.unauthenticated("authorization: a bearer token is required");
        }
        String tenant = authorizationHeader.startsWith("Bearer ")
                ? tenantOf(authorizationHeader.substring("Bearer ".length()).trim()) : null;
        if (tenant == null) {
            throw RequestException.unauthenticated("authorization: unknown token");
        }
        return tenant;
    }

    /**
     * The tenant holding {@code token}, or null. Every tenant's digest is compared
     * ({@link Secrets#matches}), so the time taken says nothing about how much of a guessed token
     * was right, nor which tenant it came close to.
     */
    private String tenantOf(String token) {
        String found = null;
        for (Map.Entry<String, byte[]> entry : tokenDigestByTenant.entrySet()) {
            if (Secrets.matches(token, entry.getValue()) && found == null) {
                found = entry.getKey();
            }
        }
        return found;
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
