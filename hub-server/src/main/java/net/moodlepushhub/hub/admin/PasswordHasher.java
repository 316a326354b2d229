package net.moodlepushhub.hub.admin;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Argon2id password hashes as PHC strings ({@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}), with
 * BouncyCastle's {@link Argon2BytesGenerator}.
 *
 * <p>Parameters are OWASP's first recommended Argon2id configuration (19 MiB, 2 passes, 1 lane): memory-hard
 * enough to make offline guessing costly, cheap enough (tens of milliseconds) for a login form. The
 * parameters are stored in each hash, so raising them later keeps old hashes verifiable. Plain Java plus
 * BouncyCastle, so the {@link CreateAdmin} command can use it outside the application server.</p>
 */
public final class PasswordHasher {

    static final int MEMORY_KIB = 19 * 1024;
    static final int ITERATIONS = 2;
    static final int PARALLELISM = 1;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;

    /** Shortest password accepted for an operator. */
    public static final int MIN_LENGTH = 12;
    /** Longest password accepted (bounds the work an attacker can make one login cost). */
    public static final int MAX_LENGTH = 1024;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /** A hash of a random password, verified against when the username is unknown so timing reveals nothing. */
    private static final String DUMMY = hash("not-a-real-password-" + RANDOM.nextLong());

    private PasswordHasher() {
    }

    /**
     * @param password the password
     * @return its PHC string
     */
    public static String hash(String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] out = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + B64.encodeToString(salt)
                + "$" + B64.encodeToString(out);
    }

    /**
     * @param password the presented password
     * @param phc      the stored PHC string, or null for an unknown user (a dummy hash is checked instead)
     * @return whether the password matches
     */
    public static boolean verify(String password, String phc) {
        boolean known = phc != null;
        String[] parts = (known ? phc : DUMMY).split("\\$");
        // ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]
        if (parts.length != 6 || !"argon2id".equals(parts[1]) || !"v=19".equals(parts[2])) {
            return false;
        }
        int m = 0;
        int t = 0;
        int p = 0;
        for (String kv : parts[3].split(",")) {
            String[] pair = kv.split("=", 2);
            int v = Integer.parseInt(pair[1]);
            switch (pair[0]) {
                case "m" -> m = v;
                case "t" -> t = v;
                case "p" -> p = v;
                default -> {
                    return false;
                }
            }
        }
        byte[] salt = B64D.decode(parts[4]);
        byte[] expected = B64D.decode(parts[5]);
        byte[] actual = derive(password, salt, m, t, p, expected.length);
        return MessageDigest.isEqual(expected, actual) && known;
    }

    private static byte[] derive(String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[length];
        generator.generateBytes(pw, out);
        Arrays.fill(pw, (byte) 0);
        return out;
    }
}
