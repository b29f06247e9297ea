package org.emergence.cli;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import org.emergence.proto.grpc.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import javax.net.ssl.KeyManagerFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The command lines' channel to a gateway on TLS: with {@code --trust-certificate} naming the
 * server's certificate it is answered over a real TLS connection on loopback; without it the
 * channel speaks plaintext, which a TLS port does not answer.
 */
class SuiteOptionsTlsTest {

    private static SelfSignedCertificate certificate;
    private static Server server;

    @BeforeAll
    static void startTlsServer() throws Exception {
        certificate = SelfSignedCertificate.generate(Path.of("target", "suite-options-tls"));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificate.keyStore())) {
            keys.load(in, certificate.password().toCharArray());
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, certificate.password().toCharArray());
        server = Grpc.newServerBuilderForPort(0, TlsServerCredentials.newBuilder()
                        .keyManager(keyManagers.getKeyManagers()).build())
                .addService(new HealthStatusManager().getHealthService()).build().start();
    }

    @AfterAll
    static void stop() {
        server.shutdownNow();
    }

    private static HealthCheckResponse.ServingStatus health(String... args) throws InterruptedException {
        SuiteOptions options = new SuiteOptions();
        new CommandLine(options).parseArgs(args);
        ManagedChannel channel = options.awaitGatewayChannel().build();
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void trustingTheCertificateTheGatewayIsReachedOverTls() throws InterruptedException {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health("--target", "localhost:" + server.getPort(),
                "--trust-certificate", certificate.certificate().toString()));
    }

    @Test
    void withoutACertificateThePlaintextChannelIsNotAnswered() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> health("--target", "localhost:" + server.getPort()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
    }
}
