package net.moodlepushhub.hub.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.keys.MoodleAccessKey;
import net.moodlepushhub.hub.HubSettings;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Issues and revokes a site's scoped access keys. Every issued key is recorded by its {@code jti}; every
 * revocation is appended to the feed the gateways follow.
 */
@ApplicationScoped
public class KeyIssuer {

    @Inject
    SigningKeys signingKeys;

    @Inject
    HubSettings settings;

    @Inject
    RevocationFeed feed;

    /**
     * A freshly issued pair of keys. Shown to the site admin once; only their {@code jti}s are stored.
     *
     * @param siteKey         the site key, a compact JWS
     * @param deviceKey       the device key, a compact JWS
     * @param moodleAccessKey the site key in the form Moodle's {@code airnotifieraccesskey} setting accepts
     */
    public record KeyPair(String siteKey, String deviceKey, String moodleAccessKey) {
    }

    /**
     * Issues a site key and a device key for a site, inside the caller's transaction.
     *
     * @param em      the transaction
     * @param siteId  the site
     * @param siteUrl the site's URL, carried in the keys
     * @param now     the current time
     * @return the keys
     */
    public KeyPair issue(EntityManager em, String siteId, String siteUrl, Instant now) {
        String site = issueOne(em, AccessKeyKind.SITE, siteId, siteUrl, now, settings.siteKeyLifetime());
        String device = issueOne(em, AccessKeyKind.DEVICE, siteId, siteUrl, now, settings.deviceKeyLifetime());
        return new KeyPair(site, device, MoodleAccessKey.encode(site));
    }

    /**
     * Issues one key of the given kind, inside the caller's transaction.
     *
     * @param em       the transaction
     * @param kind     site or device
     * @param siteId   the site
     * @param siteUrl  the site's URL
     * @param now      the current time
     * @param lifetime how long it is valid
     * @return the compact JWS
     */
    public String issueOne(EntityManager em, AccessKeyKind kind, String siteId, String siteUrl, Instant now, Duration lifetime) {
        SigningKeys.Active signing = signingKeys.active();
        String jti = UUID.randomUUID().toString();
        Instant expires = now.plus(lifetime);
        JWSHeader header = new JWSHeader.Builder(SigningKeys.ALGORITHM)
                .keyID(signing.kid())
                .type(new JOSEObjectType(kind.typ()))
                .build();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(settings.issuer())
                .audience(settings.keyAudience())
                .subject(siteId)
                .jwtID(jti)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .claim(AccessKeyKind.Claims.SCOPE, kind.scopeClaim())
                .claim(AccessKeyKind.Claims.SITE_URL, siteUrl)
                .build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signing.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        em.persist(new IssuedKey(jti, siteId, kind.label(), signing.kid(), now, expires));
        return jwt.serialize();
    }

    /**
     * Revokes every live key of a site, inside the caller's transaction, and appends each to the feed.
     *
     * @param em     the transaction
     * @param siteId the site
     * @param reason a short slug recorded with the keys
     * @param now    the current time
     * @return how many keys were revoked
     */
    public int revokeAll(EntityManager em, String siteId, String reason, Instant now) {
        List<IssuedKey> live = em.createQuery(
                "select k from IssuedKey k where k.siteId = :site and k.revokedAt is null", IssuedKey.class)
                .setParameter("site", siteId).getResultList();
        for (IssuedKey key : live) {
            key.revoke(reason, now);
            feed.append(em, new RevocationEvent(RevocationEvent.KEY, key.getJti(), RevocationEvent.REVOKE, key.getExpiresAt(), now));
        }
        return live.size();
    }
}
