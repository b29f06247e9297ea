package org.emergence.gateway.http;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * How the HTTP mapping reaches the gateway's own gRPC port: plaintext where that port is, else
 * TLS trusting exactly the certificate the port serves (the {@code quarkus.grpc.server.ssl.*}
 * settings), with no host name check: the connection is to this process's own port on loopback,
 * and a public certificate names the public host, not localhost.
 */
final class LoopbackCredentials {

    private LoopbackCredentials() {
    }

    static ChannelCredentials of(boolean plainText, Optional<Path> certificate, Optional<Path> keyStore,
                                 Optional<String> keyStorePassword, Optional<String> keyStoreType) {
        if (plainText) {
            return InsecureChannelCredentials.create();
        }
        try {
            List<Certificate> served = certificate.isPresent() ? pem(certificate.get())
                    : stored(keyStore.orElseThrow(() -> new IllegalStateException("quarkus.grpc.server.plain-text is "
                    + "false but neither quarkus.grpc.server.ssl.certificate nor ...ssl.key-store is set")),
                    keyStorePassword.orElse(""), keyStoreType);
            return TlsChannelCredentials.newBuilder().trustManager(new Pinned(served)).build();
        } catch (IOException e) {
            throw new UncheckedIOException("the gRPC server's certificate cannot be read", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the gRPC server's certificate cannot be read: " + e.getMessage(), e);
        }
    }

    private static List<Certificate> pem(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }

    private static List<Certificate> stored(Path file, String password, Optional<String> type)
            throws IOException, GeneralSecurityException {
        String name = file.getFileName().toString().toLowerCase();
        KeyStore store = KeyStore.getInstance(type.orElse(name.endsWith(".jks") ? "JKS" : "PKCS12"));
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password.toCharArray());
        }
        List<Certificate> served = new ArrayList<>();
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias) && store.getCertificate(alias) != null) {
                served.add(store.getCertificate(alias));
            }
        }
        return served;
    }

    /** Trusts a server whose leaf certificate is one of {@code served}, and nothing else. */
    private static final class Pinned extends X509ExtendedTrustManager {

        private final List<Certificate> served;

        Pinned(List<Certificate> served) {
            this.served = List.copyOf(served);
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0 || !served.contains(chain[0])) {
                throw new CertificateException("not the certificate this gateway's gRPC port serves");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client channel");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client channel");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a client channel");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
