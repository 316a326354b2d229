package net.moodlepushhub.hub.registration;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Random secrets and their stored hashes. */
public final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Prefix of management tokens, so secret scanners and humans recognise a leaked one. */
    public static final String MANAGEMENT_TOKEN_PREFIX = "mphm_";

    private Secrets() {
    }

    /**
     * @param bytes how many random bytes
     * @return them, base64url without padding
     */
    public static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** @return a new management token (256 random bits) */
    public static String newManagementToken() {
        return MANAGEMENT_TOKEN_PREFIX + random(32);
    }

    /**
     * @param secret a high-entropy secret
     * @return its SHA-256, hex; a plain hash suffices because the secret has 256 bits of entropy
     */
    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Compares a presented secret with a stored hash in constant time.
     *
     * @param presented  what the client sent, may be null
     * @param storedHash the stored hash, may be null
     * @return true when they match
     */
    public static boolean matches(String presented, String storedHash) {
        if (presented == null || storedHash == null) {
            return false;
        }
        return MessageDigest.isEqual(hash(presented).getBytes(StandardCharsets.US_ASCII), storedHash.getBytes(StandardCharsets.US_ASCII));
    }
}
