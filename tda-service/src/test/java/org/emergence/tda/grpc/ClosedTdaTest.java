package org.emergence.tda.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.grpc.InternalChannels;
import org.emergence.proto.grpc.SelfSignedCertificate;
import org.emergence.proto.grpc.ServiceCredential;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * tda closed as on Kubernetes, plus TLS: a self-signed certificate on the gRPC port and the
 * service credential required. The suite's own channel ({@link InternalChannels}, as the gateway
 * and the metrics service build it) trusting the certificate and carrying the credential gets
 * through; without the credential, UNAUTHENTICATED; plaintext does not connect at all.
 */
@QuarkusTest
@TestProfile(ClosedTdaTest.Closed.class)
class ClosedTdaTest {

    static final String CREDENTIAL = "tda-test-credential";
    static final Path CERTIFICATE = Path.of("target", "closed-tda-tls", "server.pem");

    public static class Closed implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                SelfSignedCertificate tls = SelfSignedCertificate.generate(CERTIFICATE.getParent());
                return Map.of(ServiceCredential.SETTING, CREDENTIAL,
                        "quarkus.grpc.server.plain-text", "false",
                        "quarkus.grpc.server.ssl.key-store", tls.keyStore().toAbsolutePath().toString(),
                        "quarkus.grpc.server.ssl.key-store-password", tls.password());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static String target() {
        return "localhost:" + ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
    }

    private static void call(ManagedChannel channel, Function<TdaServiceGrpc.TdaServiceBlockingStub, Object> call) {
        try {
            call.apply(TdaServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void theSuitesTlsChannelWithTheCredentialGetsThrough() {
        ManagedChannel channel = new InternalChannels(new ServiceCredential(Optional.of(CREDENTIAL)),
                Optional.of(CERTIFICATE)).forTarget(target()).build();
        // Past the credential and the TLS handshake to tda's own validation of an empty request.
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "", () -> call(channel,
                tda -> tda.computePersistence(ComputePersistenceRequest.getDefaultInstance())));
    }

    @Test
    void withoutTheCredentialTlsAloneIsRefused() {
        ManagedChannel channel = new InternalChannels(new ServiceCredential(Optional.empty()),
                Optional.of(CERTIFICATE)).forTarget(target()).build();
        GrpcChecks.assertStatus(Status.Code.UNAUTHENTICATED, "service credential required", () -> call(channel,
                tda -> tda.computePersistence(ComputePersistenceRequest.getDefaultInstance())));
    }

    @Test
    void plaintextDoesNotConnect() {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(target()).usePlaintext().build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(channel,
                tda -> tda.computePersistence(ComputePersistenceRequest.getDefaultInstance())));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
    }
}
