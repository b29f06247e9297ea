package org.emergence.gateway;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.SelfSignedCertificate;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ListExperimentsRequest;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's public ports on TLS by configuration alone (docs/operations.md, "TLS"): gRPC and
 * HTTPS on a certificate keytool makes for the test. A grpc-java channel and java.net.http
 * trusting that certificate get answers; plaintext on either port gets none. No backend runs:
 * listing experiments is the gateway's own store.
 */
@QuarkusTest
@TestProfile(GatewayTlsTest.Tls.class)
class GatewayTlsTest {

    static final Path FOLDER = Path.of("target", "gateway-tls");

    public static class Tls implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                SelfSignedCertificate tls = SelfSignedCertificate.generate(FOLDER);
                String certificate = tls.certificate().toAbsolutePath().toString();
                String key = tls.privateKey().toAbsolutePath().toString();
                // PEM files, as k8s/overlays/tls sets these keys from a Kubernetes TLS Secret.
                return Map.ofEntries(Map.entry("quarkus.grpc.server.plain-text", "false"),
                        Map.entry("quarkus.grpc.server.ssl.certificate", certificate),
                        Map.entry("quarkus.grpc.server.ssl.key", key),
                        Map.entry("quarkus.tls.key-store.pem.0.cert", certificate),
                        Map.entry("quarkus.tls.key-store.pem.0.key", key),
                        Map.entry("quarkus.http.insecure-requests", "disabled"),
                        Map.entry("quarkus.http.test-ssl-port", "0"),
                        Map.entry("gateway.data-dir", Files.createTempDirectory("gateway-tls").toString()),
                        Map.entry("gateway.trainer.target", "localhost:1"),
                        Map.entry("gateway.metrics.target", "localhost:1"),
                        Map.entry("gateway.tda.target", "localhost:1"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @TestHTTPResource(value = "/api/experiments", tls = true)
    URL experiments;

    private static Path certificate() {
        return FOLDER.resolve("server.pem");
    }

    private static String grpcTarget() {
        return "localhost:" + ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
    }

    @Test
    void grpcOverTlsTrustingTheCertificateIsAnswered() throws IOException {
        ManagedChannel channel = Grpc.newChannelBuilder(grpcTarget(),
                TlsChannelCredentials.newBuilder().trustManager(certificate().toFile()).build()).build();
        try {
            // A fresh store: no experiments, but an answer past the handshake.
            assertEquals(0, ExperimentServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .listExperiments(ListExperimentsRequest.getDefaultInstance()).getExperimentsCount());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void grpcInPlaintextIsRefused() {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(grpcTarget()).usePlaintext().build();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ExperimentServiceGrpc
                    .newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .listExperiments(ListExperimentsRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void httpsTrustingTheCertificateIsAnswered() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trusting(certificate()))
                .connectTimeout(Duration.ofSeconds(10)).build();
        assertEquals("https", experiments.getProtocol(), experiments.toString());
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(experiments.toURI())
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().startsWith("{"), response.body());
    }

    @Test
    void plaintextHttpOnTheTlsPortIsRefused() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        URI plain = URI.create("http://localhost:" + experiments.getPort() + experiments.getPath());
        // The TLS port takes no plaintext request (the handshake fails, the connection closes), and
        // with insecure requests disabled there is no plaintext port to fall back on.
        assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(plain)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            trusted.setCertificateEntry("gateway", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
