package org.emergence.proto.grpc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Secrets (tenant tokens, the service credential) are compared by their SHA-256 digests with
 * {@link MessageDigest#isEqual}: equal-length inputs compared in time independent of where they
 * differ, so the time a refusal takes says nothing about how much of a guess was right.
 */
public final class Secrets {

    private Secrets() {
    }

    public static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Whether {@code presented} (null when absent) is the secret whose digest is {@code expected}. */
    public static boolean matches(String presented, byte[] expected) {
        return presented != null && MessageDigest.isEqual(digest(presented), expected);
    }
}
