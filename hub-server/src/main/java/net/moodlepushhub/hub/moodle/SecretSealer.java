package net.moodlepushhub.hub.moodle;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.persistence.HubDatabase;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.logging.Logger;

/**
 * Seals the few values the hub must be able to read back (the HMAC key of Moodle's signed updates, which
 * is md5 of the site's secret) with AES-256-GCM. The key is {@code hub.moodle.secret-key} when configured, so
 * a database dump alone reveals nothing; otherwise one generated at first use and kept in the database,
 * which still keeps the values out of logs and casual reads but not out of a full dump (the README says so).
 */
@ApplicationScoped
public class SecretSealer {

    private static final Logger LOG = Logger.getLogger(SecretSealer.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String STORED_KEY = "moodle-secret-key";

    @Inject
    HubSettings settings;

    @Inject
    HubDatabase db;

    private volatile SecretKeySpec key;

    /**
     * @param plain the value
     * @return base64 of a random 96-bit nonce and the AES-GCM ciphertext
     */
    public String seal(String plain) {
        try {
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(128, iv));
            byte[] sealed = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(iv, iv.length + sealed.length);
            System.arraycopy(sealed, 0, out, iv.length, sealed.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing failed", e);
        }
    }

    /**
     * @param sealed what {@link #seal(String)} returned
     * @return the value, or null when it cannot be opened (another key)
     */
    public String open(String sealed) {
        try {
            byte[] in = Base64.getDecoder().decode(sealed);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(128, in, 0, 12));
            return new String(c.doFinal(in, 12, in.length - 12), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    private SecretKeySpec key() {
        SecretKeySpec k = key;
        if (k != null) {
            return k;
        }
        synchronized (this) {
            if (key == null) {
                key = new SecretKeySpec(loadKey(), "AES");
            }
            return key;
        }
    }

    private byte[] loadKey() {
        String configured = settings.moodleSecretKey();
        if (!configured.isEmpty()) {
            byte[] k = Base64.getDecoder().decode(configured);
            if (k.length != 32) {
                throw new IllegalStateException("hub.moodle.secret-key must be base64 of 32 bytes");
            }
            return k;
        }
        byte[] fresh = new byte[32];
        RANDOM.nextBytes(fresh);
        // Insert-if-absent, then read back: with several hub instances starting at once, the first insert wins.
        db.run(em -> em.createNativeQuery("insert into hub_secret (name, secret_value, created_at) select ?, ?, ? from dual"
                        + " where not exists (select 1 from hub_secret where name = ?)")
                .setParameter(1, STORED_KEY).setParameter(2, Base64.getEncoder().encodeToString(fresh))
                .setParameter(3, Timestamp.from(Instant.now())).setParameter(4, STORED_KEY).executeUpdate());
        @SuppressWarnings("unchecked")
        List<Object> stored = db.inTransaction(em -> em.createNativeQuery("select secret_value from hub_secret where name = ?")
                .setParameter(1, STORED_KEY).getResultList());
        LOG.info("hub.moodle.secret-key is not set: Moodle signing keys are sealed with a key kept in the database");
        return Base64.getDecoder().decode(stored.get(0).toString());
    }
}
