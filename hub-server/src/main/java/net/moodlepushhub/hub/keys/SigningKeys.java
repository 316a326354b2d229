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
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.persistence.HubDatabase;

import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * The hub's ES256 signing keys: generated at first start, persisted in the hub's database (never in the
 * repository), rotated after {@code hub.keys.signing-key-rotation}, and published as a JWK set. A retired key
 * stays published until every key it signed has expired, so rotation never breaks an issued key.
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

    private volatile Active active;

    /** The key currently signing, with its signer. */
    public record Active(String kid, JWSSigner signer) {
    }

    /**
     * Makes sure a signing key exists and is younger than the rotation period; called at start-up and
     * before signing.
     *
     * @return the active key
     */
    public Active active() {
        Active current = active;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (active == null) {
                active = db.inTransaction(this::loadOrCreate);
            }
            return active;
        }
    }

    /**
     * Retires the active key and starts signing with a new one. The retired key stays published.
     *
     * @return the new active key's id
     */
    public synchronized String rotate() {
        active = db.inTransaction(em -> {
            Instant now = Instant.now();
            for (SigningKeyRecord r : activeRecords(em)) {
                r.retire(now, now.plus(settings.longestKeyLifetime()));
            }
            return create(em, now);
        });
        return active.kid();
    }

    /** @return the public keys that verifiers must know: the active ones and retired ones still needed */
    public JWKSet publicKeys() {
        active();
        Instant now = Instant.now();
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

    private Active loadOrCreate(EntityManager em) {
        Instant now = Instant.now();
        List<SigningKeyRecord> current = activeRecords(em);
        if (!current.isEmpty()) {
            SigningKeyRecord newest = current.get(0);
            if (newest.getCreatedAt().plus(settings.signingKeyRotation()).isAfter(now)) {
                return toActive(newest);
            }
            for (SigningKeyRecord r : current) {
                r.retire(now, now.plus(settings.longestKeyLifetime()));
            }
            LOG.info(() -> "Signing key " + newest.getKid() + " is older than the rotation period; rotating");
        }
        return create(em, now);
    }

    private static List<SigningKeyRecord> activeRecords(EntityManager em) {
        return em.createQuery("select k from SigningKeyRecord k where k.retiredAt is null order by k.createdAt desc",
                SigningKeyRecord.class).getResultList();
    }

    private Active create(EntityManager em, Instant now) {
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyID("hub-" + UUID.randomUUID())
                    .algorithm(ALGORITHM)
                    .keyUse(KeyUse.SIGNATURE)
                    .generate();
            SigningKeyRecord record = new SigningKeyRecord(key.getKeyID(), ALGORITHM.getName(),
                    key.toJSONString(), key.toPublicJWK().toJSONString(), now);
            em.persist(record);
            LOG.info(() -> "Generated signing key " + key.getKeyID());
            return new Active(key.getKeyID(), new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a signing key", e);
        }
    }

    private static Active toActive(SigningKeyRecord record) {
        try {
            ECKey key = ECKey.parse(record.getPrivateJwk());
            return new Active(key.getKeyID(), new ECDSASigner(key));
        } catch (ParseException | JOSEException e) {
            throw new IllegalStateException("stored signing key " + record.getKid() + " is corrupt", e);
        }
    }
}
