package org.emergence.proto.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate for localhost made by the JDK's keytool: the key pair in a PKCS12 key store (what
 * {@code quarkus.grpc.server.ssl.key-store} reads), the certificate as PEM (what a client trusts,
 * {@link InternalChannels#TRUST_SETTING}) and the private key as PEM (PKCS#8, the form of a
 * Kubernetes TLS Secret's tls.key).
 */
public record SelfSignedCertificate(Path keyStore, String password, Path certificate, Path privateKey) {

    public static SelfSignedCertificate generate(Path directory) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        SelfSignedCertificate made = new SelfSignedCertificate(directory.resolve("server.p12"), "test-password",
                directory.resolve("server.pem"), directory.resolve("server-key.pem"));
        Files.deleteIfExists(made.keyStore);
        made.keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1",
                "-keystore", made.keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", made.password, "-keypass", made.password);
        made.keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", made.keyStore.toString(),
                "-storepass", made.password, "-file", made.certificate.toString());
        made.writePrivateKey();
        return made;
    }

    private void writePrivateKey() throws IOException {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            byte[] encoded = store.getKey("server", password.toCharArray()).getEncoded();
            Files.writeString(privateKey, "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(encoded) + "\n-----END PRIVATE KEY-----\n");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("reading the key keytool made", e);
        }
    }

    private void keytool(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + arguments[0] + " failed: " + output);
        }
    }
}
