package net.moodlepushhub.hub.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import net.moodlepushhub.common.keys.KeyEncryption;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.persistence.HubDatabase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * The hub's ES256 signing keys: generated when needed, persisted in the hub's database (never in the
 * repository) with the private half encrypted under the operator's key-encryption key, rotated once the active
 * key is older than {@code hub.keys.signing-key-rotation}, and published as a JWK set.
 *
 * <p>Rotation happens in the running hub: {@link #active()} notices, before signing, that the active key is
 * too old and switches to a new {@code kid}. The retired key stays published until everything it signed has
 * expired, so rotation never breaks an issued key; gateways fetch the JWK set again when they meet the new
 * {@code kid}. Hub instances sharing a database serialise rotation on a row lock ({@code hub_lock}), so two
 * instances finding the key too old at the same moment create one new key, and the second adopts it.</p>
 */
@ApplicationScoped
public class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class.getName());

    /** The one algorithm the hub signs with and the gateway accepts. */
    public static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;

    @Inject
    HubDatabase db;

    @Inject
    HubSettings settings;

    /** The time source; tests replace it to cross the rotation period without waiting. */
    Clock clock = Clock.systemUTC();

    private volatile Active active;

    /** Held by the one caller that rotates (see {@link #active()}). */
    final ReentrantLock rotation = new ReentrantLock();

    /**
     * How long a retired key stays published beyond everything it can have signed: requests that picked the key
     * up just before a rotation committed sign with it a moment after the rotation's own clock reading.
     */
    static final Duration RETIREMENT_GRACE = Duration.ofMinutes(5);
    private volatile KeyEncryption encryption;

    /**
     * The key currently signing, with its signer.
     *
     * @param kid       its key id
     * @param signer    signs with its private key
     * @param createdAt when it was generated; it signs until {@code createdAt + signing-key-rotation}
     */
    public record Active(String kid, JWSSigner signer, Instant createdAt) {
    }

    /**
     * Checks the key-encryption key against the database, encrypts private keys stored in clear by older
     * versions, and makes sure an active key exists. Called at start-up, so that a missing or wrong
     * key-encryption key stops the deployment with a clear message instead of failing the first request.
     *
     * @return the active key
     * @throws IllegalStateException when the key-encryption key is missing, malformed or not the one the stored
     *                               keys were encrypted with
     */
    public Active start() {
        KeyEncryption kek = encryption();
        db.run(em -> {
            lock(em, clock.instant());
            List<SigningKeyRecord> all = em.createQuery("select k from SigningKeyRecord k", SigningKeyRecord.class).getResultList();
            int encrypted = 0;
            for (SigningKeyRecord r : all) {
                if (KeyEncryption.isEncrypted(r.getPrivateJwk())) {
                    decrypt(kek, r);
                } else {
                    r.replacePrivateJwk(kek.encrypt(r.getPrivateJwk(), r.getKid()));
                    encrypted++;
                }
            }
            if (encrypted > 0) {
                int n = encrypted;
                LOG.info(() -> "Encrypted " + n + " signing key(s) stored in clear by an earlier version");
            }
        });
        return active();
    }

    /**
     * The key to sign with now. Fast while the key is younger than the rotation period; once it is older, one
     * caller rotates (or adopts the key another hub instance created meanwhile) and the others keep signing with
     * the key they have until the new one is committed.
     *
     * <p>Callers usually hold a pooled connection in their own transaction, and rotating needs a second one.
     * Were every caller to wait for the rotating one, a burst of requests at the rotation instant would hold
     * the whole pool while the rotating caller waits for a connection, and each of them in turn would time out
     * on the pool (this stalled 200 concurrent key rotations for over a minute). So only the first caller waits;
     * signing a little longer with the outgoing key is safe because {@link #retire} keeps it published for
     * {@link #RETIREMENT_GRACE} beyond its lifetime.</p>
     *
     * @return the active key
     */
    public Active active() {
        Active current = active;
        if (current != null && isFresh(current, clock.instant())) {
            return current;
        }
        if (current == null) {
            rotation.lock();
        } else if (!rotation.tryLock()) {
            return current;
        }
        try {
            Instant now = clock.instant();
            if (active == null || !isFresh(active, now)) {
                active = db.inTransaction(em -> loadOrCreate(em, now));
            }
            return active;
        } finally {
            rotation.unlock();
        }
    }

    /** @return the public keys that verifiers must know: the active one and retired ones still needed */
    public JWKSet publicKeys() {
        active();
        Instant now = clock.instant();
        List<SigningKeyRecord> records = db.inTransaction(em -> em.createQuery(
                "select k from SigningKeyRecord k where k.retiredAt is null or k.publishUntil > :now order by k.createdAt desc",
                SigningKeyRecord.class).setParameter("now", now).getResultList());
        List<JWK> keys = new ArrayList<>();
        for (SigningKeyRecord r : records) {
            try {
                keys.add(JWK.parse(r.getPublicJwk()));
            } catch (ParseException e) {
                throw new IllegalStateException("stored public key " + r.getKid() + " is corrupt", e);
            }
        }
        return new JWKSet(keys);
    }

    private boolean isFresh(Active key, Instant now) {
        return now.isBefore(key.createdAt().plus(settings.signingKeyRotation()));
    }

    private Active loadOrCreate(EntityManager em, Instant now) {
        // Under the lock, the newest key read below is the newest any instance has committed.
        lock(em, now);
        List<SigningKeyRecord> current = em.createQuery(
                "select k from SigningKeyRecord k where k.retiredAt is null order by k.createdAt desc", SigningKeyRecord.class)
                .getResultList();
        if (!current.isEmpty()) {
            SigningKeyRecord newest = current.get(0);
            if (now.isBefore(newest.getCreatedAt().plus(settings.signingKeyRotation()))) {
                for (SigningKeyRecord older : current.subList(1, current.size())) {
                    retire(em, older, now);
                }
                return toActive(newest);
            }
            for (SigningKeyRecord r : current) {
                retire(em, r, now);
            }
            LOG.info(() -> "Signing key " + newest.getKid() + " is older than the rotation period ("
                    + settings.signingKeyRotation() + "); rotating");
        }
        return create(em, now);
    }

    /** Takes the row lock that serialises rotation between hub instances, until the transaction ends. */
    private static void lock(EntityManager em, Instant now) {
        // An UPDATE rather than SELECT ... FOR UPDATE: it also starts the database transaction on the entity
        // manager's own connection, so the reads that follow happen under the lock.
        int rows = em.createNativeQuery("UPDATE hub_lock SET taken_at = ? WHERE name = 'signing-keys'")
                .setParameter(1, Timestamp.from(now)).executeUpdate();
        if (rows != 1) {
            throw new IllegalStateException("the hub_lock row 'signing-keys' is missing; the schema is not migrated");
        }
    }

    private void retire(EntityManager em, SigningKeyRecord record, Instant now) {
        // Everything this key signed must stay verifiable until it expires: the keys recorded so far, and keys
        // being signed right now by requests (or other instances) that picked it up before this rotation, which
        // expire at most one key lifetime after the key's own signing period ends.
        Instant signingEnds = record.getCreatedAt().plus(settings.signingKeyRotation());
        Instant until = (now.isAfter(signingEnds) ? now : signingEnds).plus(settings.longestKeyLifetime()).plus(RETIREMENT_GRACE);
        Instant latestSigned = em.createQuery("select max(k.expiresAt) from IssuedKey k where k.signingKid = :kid", Instant.class)
                .setParameter("kid", record.getKid()).getSingleResult();
        if (latestSigned != null && latestSigned.isAfter(until)) {
            until = latestSigned;
        }
        record.retire(now, until);
        Instant published = until;
        LOG.info(() -> "Signing key " + record.getKid() + " retired; its public key stays published until " + published);
    }

    private Active create(EntityManager em, Instant now) {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyID("hub-" + UUID.randomUUID())
                    .algorithm(ALGORITHM)
                    .keyUse(KeyUse.SIGNATURE)
                    .generate();
            SigningKeyRecord record = new SigningKeyRecord(key.getKeyID(), ALGORITHM.getName(),
                    encryption().encrypt(key.toJSONString(), key.getKeyID()), key.toPublicJWK().toJSONString(), now);
            em.persist(record);
            LOG.info(() -> "Generated signing key " + key.getKeyID());
            return new Active(key.getKeyID(), new ECDSASigner(key), now);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a signing key", e);
        }
    }

    private Active toActive(SigningKeyRecord record) {
        String jwk = KeyEncryption.isEncrypted(record.getPrivateJwk()) ? decrypt(encryption(), record) : record.getPrivateJwk();
        try {
            ECKey key = ECKey.parse(jwk);
            return new Active(key.getKeyID(), new ECDSASigner(key), record.getCreatedAt());
        } catch (ParseException | JOSEException e) {
            throw new IllegalStateException("stored signing key " + record.getKid() + " is corrupt", e);
        }
    }

    private static String decrypt(KeyEncryption kek, SigningKeyRecord record) {
        try {
            return kek.decrypt(record.getPrivateJwk(), record.getKid());
        } catch (KeyEncryption.WrongKeyException e) {
            throw new IllegalStateException("The hub's key-encryption key (hub.keys.encryption-key-file / HUB_KEYS_ENCRYPTION_KEY_FILE "
                    + "or hub.keys.encryption-key / HUB_KEYS_ENCRYPTION_KEY) does not decrypt the stored signing key "
                    + record.getKid() + " (" + e.getMessage() + "): it is not the key the signing keys were encrypted with. "
                    + "Configure the original key-encryption key; the hub does not start without it.");
        }
    }

    private KeyEncryption encryption() {
        KeyEncryption kek = encryption;
        if (kek == null) {
            kek = loadEncryption(settings.encryptionKeyFile(), settings.encryptionKey());
            encryption = kek;
        }
        return kek;
    }

    /**
     * Reads the key-encryption key from exactly one of its two sources.
     *
     * @param file   {@code hub.keys.encryption-key-file}
     * @param inline {@code hub.keys.encryption-key}
     * @return the key
     * @throws IllegalStateException with a message saying what to configure (never the key itself)
     */
    static KeyEncryption loadEncryption(Optional<String> file, Optional<String> inline) {
        String howTo = " Create one with 'head -c 32 /dev/urandom | base64 > kek' and set HUB_KEYS_ENCRYPTION_KEY_FILE "
                + "(hub.keys.encryption-key-file) to that file, or HUB_KEYS_ENCRYPTION_KEY (hub.keys.encryption-key) to its "
                + "content. ./run creates data/keys-encryption-key by itself.";
        if (file.isPresent() && inline.isPresent()) {
            throw new IllegalStateException("Both hub.keys.encryption-key-file and hub.keys.encryption-key are set; "
                    + "set only one, so that it is clear which key encrypts the signing keys.");
        }
        if (file.isEmpty() && inline.isEmpty()) {
            throw new IllegalStateException("No key-encryption key for the hub's signing keys: they are stored encrypted "
                    + "and the hub does not start without one." + howTo);
        }
        String source = file.map(f -> "the file " + f + " (hub.keys.encryption-key-file)").orElse("hub.keys.encryption-key");
        String value;
        if (file.isPresent()) {
            try {
                value = Files.readString(Path.of(file.get()));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("Cannot read the key-encryption key from " + source + ": " + e + "." + howTo);
            }
        } else {
            value = inline.get();
        }
        try {
            return KeyEncryption.fromBase64(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The key-encryption key in " + source + " is unusable: " + e.getMessage() + "." + howTo);
        }
    }
}
