package net.moodlepushhub.gateway.keys;

import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.keys.MoodleAccessKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The verifier with real ES256 keys and Nimbus, on a clock the test moves: the cache of verified keys (used,
 * dropped by revocation and suspension, honouring expiry) and the refusals (reason, count, one log line per key
 * per minute, never the key).
 */
class AccessKeyVerifierTest {

    static final String ISSUER = "http://hub.test";
    static final String AUDIENCE = "moodle-push-gateway";

    /** A clock the test moves; the cache's ticker reads the same time. */
    static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        Ticker ticker() {
            Instant origin = now;
            return () -> Duration.between(origin, now).toNanos();
        }
    }

    ECKey hubKey;
    MovableClock clock;
    RevocationRegistry registry;
    Map<String, Integer> counted;
    AtomicInteger keyLookups;
    AccessKeyVerifier verifier;
    List<LogRecord> logged;
    Handler capture;

    @BeforeEach
    void setUp() throws Exception {
        hubKey = new ECKeyGenerator(Curve.P_256).keyID("hub-1").generate();
        clock = new MovableClock();
        registry = new RevocationRegistry();
        counted = new ConcurrentHashMap<>();
        keyLookups = new AtomicInteger();
        ImmutableJWKSet<SecurityContext> keys = new ImmutableJWKSet<>(new JWKSet(hubKey.toPublicJWK()));
        // Counts the signature checks: each needs the hub's public key.
        JWKSource<SecurityContext> counting = (selector, context) -> {
            keyLookups.incrementAndGet();
            return keys.get(selector, context);
        };
        KeyRefusals refusals = new KeyRefusals(reason -> counted.merge(reason, 1, Integer::sum), clock.ticker());
        verifier = AccessKeyVerifier.standalone(counting, HubMetadata.fixed(ISSUER), AUDIENCE, registry, refusals, 100, clock, clock.ticker());
        logged = new ArrayList<>();
        capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger(KeyRefusals.class.getName()).addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger(KeyRefusals.class.getName()).removeHandler(capture);
    }

    @Test
    void aKeySeenBeforeIsNotCheckedAgain() throws Exception {
        String key = siteKey("site-a", Duration.ofDays(1));
        Caller first = verifier.verify(key);
        Caller second = verifier.verify(key);
        assertThat(second).isEqualTo(first);
        assertThat(keyLookups).as("one signature check for two requests").hasValue(1);
        assertThat(verifier.cachedKeys()).isEqualTo(1);

        // The Moodle-safe form of the same key is another entry, verified once too.
        verifier.verify(MoodleAccessKey.encode(key));
        verifier.verify(MoodleAccessKey.encode(key));
        assertThat(keyLookups).hasValue(2);
    }

    @Test
    void aRevocationDropsTheCachedKeyAtOnce() throws Exception {
        String key = siteKey("site-a", Duration.ofDays(1));
        String other = siteKey("site-a", Duration.ofDays(1));
        Caller caller = verifier.verify(key);
        verifier.verify(other);
        assertThat(verifier.cachedKeys()).isEqualTo(2);

        // As RevocationFollower applies a feed event: the registry first, then the cache.
        registry.apply(1, "key", caller.jti(), "revoke", caller.expiresAt());
        RevocationFollower.dropCached(verifier, "key", caller.jti(), "revoke");
        assertThat(verifier.cachedKeys()).isEqualTo(1);
        assertRefused(key, "revoked");
        assertThat(verifier.verify(other).siteId()).isEqualTo("site-a");
    }

    @Test
    void aRevokedKeyIsRefusedEvenBeforeItsCacheEntryIsDropped() throws Exception {
        String key = siteKey("site-a", Duration.ofDays(1));
        Caller caller = verifier.verify(key);
        // A request racing with the follower: the registry knows, the cache entry is still there.
        registry.apply(1, "key", caller.jti(), "revoke", caller.expiresAt());
        assertThat(verifier.cachedKeys()).isEqualTo(1);
        assertRefused(key, "revoked");
    }

    @Test
    void aSuspendedSitesCachedKeysAreRefusedAndTheOthersKept() throws Exception {
        String a1 = siteKey("site-a", Duration.ofDays(1));
        String a2 = deviceKey("site-a", Duration.ofDays(1));
        String b = siteKey("site-b", Duration.ofDays(1));
        verifier.verify(a1);
        verifier.verify(a2);
        verifier.verify(b);
        assertThat(verifier.cachedKeys()).isEqualTo(3);

        registry.apply(1, "site", "site-a", "suspend", null);
        RevocationFollower.dropCached(verifier, "site", "site-a", "suspend");
        assertThat(verifier.cachedKeys()).isEqualTo(1);
        assertRefused(a1, "site-suspended");
        assertRefused(a2, "site-suspended");
        assertThat(verifier.verify(b).siteId()).isEqualTo("site-b");

        registry.apply(2, "site", "site-a", "reinstate", null);
        assertThat(verifier.verify(a1).siteId()).isEqualTo("site-a");

        registry.apply(3, "site", "site-b", "revoke", null);
        RevocationFollower.dropCached(verifier, "site", "site-b", "revoke");
        assertRefused(b, "revoked");
    }

    @Test
    void aCachedKeyIsRefusedOnceExpired() throws Exception {
        String key = siteKey("site-a", Duration.ofMinutes(10));
        verifier.verify(key);
        clock.advance(Duration.ofMinutes(9));
        verifier.verify(key);
        assertThat(keyLookups).as("still served from the cache before exp").hasValue(1);

        // Past exp and past Nimbus's 60 s clock-skew allowance.
        clock.advance(Duration.ofMinutes(2));
        assertRefused(key, "expired");
        assertThat(verifier.cachedKeys()).isZero();
    }

    @Test
    void everyRefusalIsCountedByReason() throws Exception {
        Instant now = clock.instant();
        assertRefused(null, "missing");
        assertRefused("not-a-key", "malformed");
        assertRefused(sign(hubKey, AccessKeyKind.SITE.typ(), claims("site-a", now, Duration.ofMinutes(-5)).build()), "expired");
        assertRefused(sign(hubKey, AccessKeyKind.SITE.typ(), claims("site-a", now, Duration.ofDays(1)).issuer("http://127.0.0.1:8080").build()), "wrong-issuer");
        assertRefused(sign(hubKey, AccessKeyKind.SITE.typ(), claims("site-a", now, Duration.ofDays(1)).audience("another-gateway").build()), "wrong-audience");
        assertRefused(sign(hubKey, "JWT", claims("site-a", now, Duration.ofDays(1)).build()), "wrong-type");
        ECKey unknown = new ECKeyGenerator(Curve.P_256).keyID("not-published").generate();
        assertRefused(sign(unknown, AccessKeyKind.SITE.typ(), claims("site-a", now, Duration.ofDays(1)).build()), "unknown-kid");
        ECKey forger = new ECKeyGenerator(Curve.P_256).keyID(hubKey.getKeyID()).generate();
        assertRefused(sign(forger, AccessKeyKind.SITE.typ(), claims("site-a", now, Duration.ofDays(1)).build()), "bad-signature");
        String revoked = siteKey("site-a", Duration.ofDays(1));
        registry.apply(1, "key", SignedJWT.parse(revoked).getJWTClaimsSet().getJWTID(), "revoke", null);
        assertRefused(revoked, "revoked");
        assertRefused(revoked, "revoked");

        assertThat(counted).containsExactlyInAnyOrderEntriesOf(Map.of("missing", 1, "malformed", 1, "expired", 1, "wrong-issuer", 1,
                "wrong-audience", 1, "wrong-type", 1, "unknown-kid", 1, "bad-signature", 1, "revoked", 2));
        assertThat(verifier.cachedKeys()).as("refused keys are not cached").isZero();
    }

    @Test
    void aRefusalIsLoggedOncePerKeyPerMinuteWithReasonJtiAndSubButNeverTheKey() throws Exception {
        JWTClaimsSet claims = claims("site-a", clock.instant(), Duration.ofDays(1)).issuer("http://localhost:8080").build();
        String key = sign(hubKey, AccessKeyKind.SITE.typ(), claims);
        String moodleForm = MoodleAccessKey.encode(key);
        for (int i = 0; i < 5; i++) {
            assertRefused(key, "wrong-issuer");
        }
        assertThat(counted).containsEntry("wrong-issuer", 5);
        assertThat(logged).hasSize(1);
        String line = logged.get(0).getMessage();
        assertThat(line).contains("wrong-issuer", "jti=" + claims.getJWTID(), "sub=site-a",
                "'http://localhost:8080'", "'" + ISSUER + "'");
        String[] parts = key.split("\\.");
        assertThat(line).doesNotContain(key).doesNotContain(moodleForm).doesNotContain(parts[1]).doesNotContain(parts[2]);

        // Another key is logged on its own; the first again only after a minute.
        assertRefused(sign(hubKey, AccessKeyKind.SITE.typ(), claims("site-b", clock.instant(), Duration.ofDays(1)).issuer("http://x.test").build()), "wrong-issuer");
        assertThat(logged).hasSize(2);
        clock.advance(Duration.ofSeconds(30));
        assertRefused(key, "wrong-issuer");
        assertThat(logged).hasSize(2);
        clock.advance(Duration.ofSeconds(31));
        assertRefused(key, "wrong-issuer");
        assertThat(logged).hasSize(3);
        assertThat(logged).allSatisfy(r -> assertThat(r.getMessage()).doesNotContain(parts[2]));
    }

    void assertRefused(String key, String reason) {
        assertThatThrownBy(() -> verifier.verify(key))
                .isInstanceOf(AccessKeyVerifier.InvalidKeyException.class)
                .satisfies(e -> assertThat(((AccessKeyVerifier.InvalidKeyException) e).reason()).isEqualTo(reason));
    }

    String siteKey(String site, Duration lifetime) throws Exception {
        return sign(hubKey, AccessKeyKind.SITE.typ(), claims(site, clock.instant(), lifetime).build());
    }

    String deviceKey(String site, Duration lifetime) throws Exception {
        return sign(hubKey, AccessKeyKind.DEVICE.typ(), claims(site, clock.instant(), lifetime)
                .claim(AccessKeyKind.Claims.SCOPE, AccessKeyKind.DEVICE.scopeClaim()).build());
    }

    /** The claims the hub's KeyIssuer writes. */
    static JWTClaimsSet.Builder claims(String site, Instant now, Duration lifetime) {
        Instant issued = lifetime.isNegative() ? now.plus(lifetime).minus(Duration.ofHours(1)) : now;
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject(site)
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(issued))
                .notBeforeTime(Date.from(issued))
                .expirationTime(Date.from(now.plus(lifetime)))
                .claim(AccessKeyKind.Claims.SCOPE, AccessKeyKind.SITE.scopeClaim())
                .claim(AccessKeyKind.Claims.SITE_URL, "https://moodle.example.org/" + site);
    }

    static String sign(ECKey key, String typ, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(typ)).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }
}
