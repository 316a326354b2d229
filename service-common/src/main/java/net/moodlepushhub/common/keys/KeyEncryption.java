package net.moodlepushhub.common.keys;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Envelope encryption of secrets at rest (the hub's signing private keys): each secret is encrypted with its
 * own random AES-256 data key (AES-GCM), and the data key is encrypted (wrapped) with the key-encryption key
 * (KEK, AES-256-GCM) that the operator keeps outside the database. A copy of the database alone therefore
 * reveals no private key. Both layers authenticate an identifier of the secret (the key's {@code kid}) as
 * associated data, so an encrypted value cannot be moved to another row unnoticed.
 *
 * <p>Stored form: {@code mph-kek-v1:<wrap IV>.<wrapped data key>.<data IV>.<ciphertext>}, each part base64url
 * without padding. A plaintext value (a JWK starts with a brace) is recognised by the missing prefix.</p>
 */
public final class KeyEncryption {

    /** Marks an encrypted value and its format version. */
    public static final String PREFIX = "mph-kek-v1:";

    private static final int KEY_BYTES = 32;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final SecretKey kek;

    private KeyEncryption(byte[] kek) {
        this.kek = new SecretKeySpec(kek, "AES");
    }

    /**
     * @param base64 the KEK: 32 bytes in standard or URL-safe base64 (surrounding white space ignored)
     * @return an instance using it
     * @throws IllegalArgumentException when it is not base64 of exactly 32 bytes (the message never contains it)
     */
    public static KeyEncryption fromBase64(String base64) {
        byte[] bytes;
        try {
            String clean = base64.replaceAll("\\s", "").replace('-', '+').replace('_', '/');
            bytes = Base64.getDecoder().decode(clean);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key-encryption key is not valid base64");
        }
        if (bytes.length != KEY_BYTES) {
            throw new IllegalArgumentException("the key-encryption key must be 32 bytes (base64 of 32 random bytes), not " + bytes.length);
        }
        return new KeyEncryption(bytes);
    }

    /** @return a fresh random KEK in base64, as an operator would create it ({@code head -c 32 /dev/urandom | base64}) */
    public static String generateBase64() {
        byte[] bytes = new byte[KEY_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /**
     * @param stored a stored value
     * @return whether it is in this class's encrypted form (anything else is a plaintext value from before)
     */
    public static boolean isEncrypted(String stored) {
        return stored != null && stored.startsWith(PREFIX);
    }

    /**
     * @param plaintext the secret
     * @param context   what it belongs to (authenticated, not encrypted; needed again to decrypt)
     * @return the stored form
     */
    public String encrypt(String plaintext, String context) {
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(KEY_BYTES * 8, RANDOM);
            SecretKey dataKey = generator.generateKey();
            byte[] dataIv = randomIv();
            byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, dataKey, dataIv, context).doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] wrapIv = randomIv();
            byte[] wrapped = gcm(Cipher.ENCRYPT_MODE, kek, wrapIv, context).doFinal(dataKey.getEncoded());
            return PREFIX + B64.encodeToString(wrapIv) + "." + B64.encodeToString(wrapped) + "."
                    + B64.encodeToString(dataIv) + "." + B64.encodeToString(ciphertext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * @param stored  a value from {@link #encrypt}
     * @param context the same context it was encrypted with
     * @return the secret
     * @throws WrongKeyException when this KEK did not encrypt it (or it was altered or moved)
     */
    public String decrypt(String stored, String context) throws WrongKeyException {
        if (!isEncrypted(stored)) {
            throw new IllegalArgumentException("not an encrypted value");
        }
        String[] parts = stored.substring(PREFIX.length()).split("\\.");
        if (parts.length != 4) {
            throw new WrongKeyException("the encrypted value is malformed");
        }
        try {
            byte[] dataKey = gcm(Cipher.DECRYPT_MODE, kek, B64D.decode(parts[0]), context).doFinal(B64D.decode(parts[1]));
            byte[] plaintext = gcm(Cipher.DECRYPT_MODE, new SecretKeySpec(dataKey, "AES"), B64D.decode(parts[2]), context)
                    .doFinal(B64D.decode(parts[3]));
            return new String(plaintext, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new WrongKeyException("the key-encryption key does not decrypt it");
        } catch (IllegalArgumentException e) {
            throw new WrongKeyException("the encrypted value is malformed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    private static byte[] randomIv() {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        return iv;
    }

    private static Cipher gcm(int mode, SecretKey key, byte[] iv, String context) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    /** An encrypted value that this KEK cannot decrypt: the wrong KEK, or a value altered or moved. */
    public static final class WrongKeyException extends Exception {
        private static final long serialVersionUID = 1L;

        WrongKeyException(String message) {
            super(message);
        }
    }
}
