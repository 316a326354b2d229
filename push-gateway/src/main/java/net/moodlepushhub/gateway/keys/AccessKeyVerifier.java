package net.moodlepushhub.gateway.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.jwt.proc.ExpiredJWTException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.keys.MoodleAccessKey;
import net.moodlepushhub.gateway.GatewaySettings;

import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Verifies the access keys the hub issued: ES256 only, the {@code typ} of one kind (never the other), the
 * hub's issuer ({@link HubMetadata}), this gateway as audience, not expired, required claims present, not
 * revoked, and the site in good standing.
 *
 * <p>The hub's JWKS is cached: it is downloaded again when a key carries an unknown {@code kid}, at most once
 * per {@code gateway.keys.jwks-refresh-min-interval}, and the cached keys keep working while the hub is down.
 * A key whose {@code kid} cannot be found even after a refresh is refused.</p>
 *
 * <p>A key that passed is remembered (bounded by {@code gateway.keys.cache-size}, keyed by the SHA-256 of the
 * key as presented, never the key itself, until its {@code exp}), so the next request with it skips the
 * ECDSA signature check, which is most of the cost of a request. Revocation and suspension are still checked
 * on every request, cached or not, and {@link RevocationFollower} also drops the cached entries of a revoked
 * key or a suspended or revoked site as the event arrives.</p>
 *
 * <p>Every refusal is counted and logged by {@link KeyRefusals}.</p>
 */
@ApplicationScoped
public class AccessKeyVerifier {

    private static final Logger LOG = Logger.getLogger(AccessKeyVerifier.class.getName());

    /** The single accepted algorithm: what the hub signs with. */
    public static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;

    @Inject
    GatewaySettings settings;

    @Inject
    RevocationRegistry revocations;

    @Inject
    HubMetadata issuer;

    @Inject
    KeyRefusals refusals;

    @Inject
    net.moodlepushhub.gateway.metrics.GatewayMetrics metrics = net.moodlepushhub.gateway.metrics.GatewayMetrics.disabled();

    @Inject
    net.moodlepushhub.gateway.hub.HubConnection hub;

    private String audience;
    private Clock clock = Clock.systemUTC();
    private final Map<AccessKeyKind, DefaultJWTProcessor<SecurityContext>> processors = new EnumMap<>(AccessKeyKind.class);
    /** Verified keys by the hash of the key as presented; null when caching is off. */
    private Cache<String, Caller> verified;

    /** For the container. */
    public AccessKeyVerifier() {
    }

    /**
     * A verifier outside the container, for tests and benchmarks: the same checks as the gateway's.
     *
     * @param jwks        the hub's public keys
     * @param issuer      the expected issuer
     * @param audience    the expected audience
     * @param revocations what the revocation feed said
     * @param refusals    where refusals are counted and logged
     * @param cacheSize   how many verified keys to remember (0: none)
     * @param clock       the time keys are checked against
     * @param ticker      the cache's clock (the same time as {@code clock})
     * @return the verifier
     */
    public static AccessKeyVerifier standalone(JWKSource<SecurityContext> jwks, HubMetadata issuer, String audience,
                                               RevocationRegistry revocations, KeyRefusals refusals, int cacheSize,
                                               Clock clock, Ticker ticker) {
        AccessKeyVerifier v = new AccessKeyVerifier();
        v.issuer = issuer;
        v.revocations = revocations;
        v.refusals = refusals;
        v.clock = clock;
        v.configure(jwks, audience, cacheSize, ticker);
        return v;
    }

    @PostConstruct
    void start() {
        JWKSource<SecurityContext> jwks;
        try {
            // Downloaded through HubConnection, so that it fails over between the hubs gateway.hub-url lists.
            jwks = JWKSourceBuilder.<SecurityContext>create(new URL(settings.hubUrl() + HubJwksRetriever.PATH), new HubJwksRetriever(hub))
                    .cache(Duration.ofMinutes(5).toMillis(), Duration.ofSeconds(5).toMillis())
                    .rateLimited(settings.jwksRefreshMinInterval().toMillis())
                    // Keep verifying with the last keys seen while the hub is unreachable.
                    .outageTolerant(Duration.ofDays(7).toMillis())
                    .retrying(true)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalStateException("gateway.hub-url is not a URL", e);
        }
        configure(jwks, settings.audience(), settings.keyCacheSize(), Ticker.systemTicker());
    }

    private void configure(JWKSource<SecurityContext> jwks, String audience, int cacheSize, Ticker ticker) {
        this.audience = audience;
        for (AccessKeyKind kind : AccessKeyKind.values()) {
            DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
            p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(kind.typ())));
            p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHM, jwks));
            // Issuer and audience are checked after this, by hand, so that a refusal can say which was wrong and
            // the issuer can follow the hub's metadata; expiry and required claims stay with Nimbus, on our clock.
            p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(null, null,
                    new HashSet<>(List.of("iss", "aud", "sub", "jti", "iat", "exp", AccessKeyKind.Claims.SCOPE)), null) {
                @Override
                protected Date currentTime() {
                    return Date.from(clock.instant());
                }
            });
            processors.put(kind, p);
        }
        verified = cacheSize == 0 ? null : Caffeine.newBuilder()
                .maximumSize(cacheSize)
                .ticker(ticker)
                // Until the key's own expiry: after it, the key goes through the full check again (and fails).
                .expireAfter(Expiry.<String, Caller>creating((hash, caller) -> positive(Duration.between(clock.instant(), caller.expiresAt()))))
                .build();
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * Verifies a presented key.
     *
     * @param presented the key as sent: a compact JWT or its Moodle-safe form; may be null
     * @return the verified caller
     * @throws InvalidKeyException with a reason safe to show the client
     */
    public Caller verify(String presented) throws InvalidKeyException {
        try {
            Caller caller = check(presented);
            metrics.keyVerified("accepted");
            return caller;
        } catch (InvalidKeyException e) {
            metrics.keyVerified(e.reason());
            throw e;
        }
    }

    private Caller check(String presented) throws InvalidKeyException {
        if (presented == null || presented.isBlank() || "none".equals(presented)) {
            throw refuse("missing", null, null, null, null, "No access key was sent.");
        }
        String trimmed = presented.trim();
        String hash = hash(trimmed);
        Caller cached = verified == null ? null : verified.getIfPresent(hash);
        if (cached != null) {
            if (clock.instant().isBefore(cached.expiresAt())) {
                return checkStanding(cached, hash);
            }
            // Expired since it was cached: the full check below decides (with Nimbus's clock-skew allowance).
            verified.invalidate(hash);
        }
        Caller caller = checkStanding(verifyFully(trimmed, hash), hash);
        if (verified != null) {
            verified.put(hash, caller);
        }
        return caller;
    }

    /** The revocation checks, done on every request: cheap hash lookups, and what makes the cache safe. */
    private Caller checkStanding(Caller caller, String hash) throws InvalidKeyException {
        if (revocations.isKeyRevoked(caller.jti())) {
            throw refuse("revoked", hash, caller.jti(), caller.siteId(), "the hub revoked this key", "The access key has been revoked.");
        }
        RevocationRegistry.SiteState state = revocations.siteState(caller.siteId());
        if (state == RevocationRegistry.SiteState.REVOKED) {
            throw refuse("revoked", hash, caller.jti(), caller.siteId(), "the hub revoked this site", "The access key has been revoked.");
        }
        if (state == RevocationRegistry.SiteState.SUSPENDED) {
            throw refuse("site-suspended", hash, caller.jti(), caller.siteId(), null, "This site is suspended by the hub's operators.");
        }
        return caller;
    }

    private Caller verifyFully(String presented, String hash) throws InvalidKeyException {
        String compact = MoodleAccessKey.toCompactJwt(presented);
        if (compact == null) {
            throw refuse("malformed", hash, null, null, null, "The access key is not in a recognised format.");
        }
        SignedJWT signed;
        AccessKeyKind kind;
        try {
            var parsed = JWTParser.parse(compact);
            if (!(parsed instanceof SignedJWT s)) {
                throw refuse("unsigned", hash, null, null, null, "Unsigned keys are refused.");
            }
            signed = s;
            JOSEObjectType typ = signed.getHeader().getType();
            kind = typ == null ? null : AccessKeyKind.forTyp(typ.getType());
        } catch (ParseException e) {
            throw refuse("malformed", hash, null, null, null, "The access key is not a valid JWT.");
        }
        // Claimed, not verified yet: only for the log line of a refusal.
        String claimedJti = claimed(signed, "jti");
        String claimedSub = claimed(signed, "sub");
        if (kind == null) {
            throw refuse("wrong-type", hash, claimedJti, claimedSub, "typ " + signed.getHeader().getType() + ", claims not verified",
                    "The access key is not of a type this gateway accepts.");
        }
        if (!ALGORITHM.equals(signed.getHeader().getAlgorithm())) {
            throw refuse("wrong-algorithm", hash, claimedJti, claimedSub, "alg " + signed.getHeader().getAlgorithm() + ", claims not verified",
                    "The access key could not be verified.");
        }
        JWTClaimsSet claims;
        try {
            claims = processors.get(kind).process(signed, null);
        } catch (ExpiredJWTException e) {
            throw refuse("expired", hash, claimedJti, claimedSub, null, "The access key has expired.");
        } catch (BadJWTException e) {
            throw refuse("invalid", hash, claimedJti, claimedSub, e.getMessage(), "The access key's claims are not valid.");
        } catch (BadJWSException e) {
            throw refuse("bad-signature", hash, claimedJti, claimedSub, "kid " + signed.getHeader().getKeyID() + ", claims not verified",
                    "The access key could not be verified.");
        } catch (BadJOSEException e) {
            // The typ and alg are checked above, so what is left here is a kid the hub's JWKS does not have.
            throw refuse("unknown-kid", hash, claimedJti, claimedSub, "kid " + signed.getHeader().getKeyID()
                    + " is not in the hub's JWKS, claims not verified", "The access key could not be verified.");
        } catch (RateLimitReachedException e) {
            // The kid is not in the JWKS held, and the JWKS was downloaded again too recently to try once more.
            throw refuse("unknown-kid", hash, claimedJti, claimedSub, "kid " + signed.getHeader().getKeyID()
                    + " is not in the hub's JWKS (refreshed less than " + settingsRefreshInterval() + " ago), claims not verified",
                    "The access key could not be verified.");
        } catch (KeySourceException e) {
            throw refuse("keys-unavailable", hash, claimedJti, claimedSub, "the hub's JWKS could not be read: " + e.getMessage(),
                    "The access key could not be verified.");
        } catch (Exception e) {
            LOG.fine(() -> "key verification failed: " + e);
            throw refuse("invalid", hash, claimedJti, claimedSub, e.getClass().getSimpleName(), "The access key could not be verified.");
        }
        String jti = claims.getJWTID();
        String siteId = claims.getSubject();
        String iss = claims.getIssuer();
        HubMetadata.Issuer expected = issuer.issuer();
        if (!expected.issuer().equals(iss) && !issuer.refreshFor(iss)) {
            throw refuse("wrong-issuer", hash, jti, siteId, "the key's iss is '" + iss + "', the gateway expects '" + expected.issuer()
                    + "' (from " + expected.source() + ")", "The access key was not issued by this gateway's hub.");
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
            throw refuse("wrong-audience", hash, jti, siteId, "the key's aud is " + claims.getAudience() + ", the gateway expects '" + audience + "'",
                    "The access key is not meant for this gateway.");
        }
        Set<String> scopes;
        String siteUrl;
        try {
            scopes = Set.of(claims.getStringClaim(AccessKeyKind.Claims.SCOPE).split(" "));
            siteUrl = claims.getStringClaim(AccessKeyKind.Claims.SITE_URL);
        } catch (ParseException | RuntimeException e) {
            throw refuse("invalid", hash, jti, siteId, "malformed scope or site_url", "The access key's claims are malformed.");
        }
        // Least privilege: a key never gets more than its kind allows, whatever it claims.
        if (!kind.scopes().containsAll(scopes)) {
            throw refuse("invalid", hash, jti, siteId, "scopes beyond its kind", "The access key claims scopes its type does not allow.");
        }
        return new Caller(siteId, siteUrl, kind, scopes, jti, claims.getExpirationTime().toInstant());
    }

    private String settingsRefreshInterval() {
        return settings == null ? "the minimum interval" : settings.jwksRefreshMinInterval().toString();
    }

    private InvalidKeyException refuse(String reason, String hash, String jti, String sub, String detail, String message) {
        refusals.refused(reason, hash, jti, sub, detail);
        return new InvalidKeyException(reason, message);
    }

    private static String claimed(SignedJWT jwt, String name) {
        try {
            Object value = jwt.getPayload().toJSONObject() == null ? null : jwt.getPayload().toJSONObject().get(name);
            // Bounded and printable: an attacker writes these.
            return value instanceof String s ? s.replaceAll("[^A-Za-z0-9._:-]", "?").substring(0, Math.min(64, s.length())) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Drops the cached verification of a key: its next use is checked in full (and refused once revoked).
     *
     * @param jti the key's id
     */
    public void forgetKey(String jti) {
        if (verified != null && jti != null) {
            verified.asMap().values().removeIf(c -> jti.equals(c.jti()));
        }
    }

    /**
     * Drops the cached verifications of every key of a site.
     *
     * @param siteId the site
     */
    public void forgetSite(String siteId) {
        if (verified != null && siteId != null) {
            verified.asMap().values().removeIf(c -> siteId.equals(c.siteId()));
        }
    }

    /** @return how many verified keys are cached now (expired ones removed first, so the figure is exact) */
    public long cachedKeys() {
        if (verified == null) {
            return 0;
        }
        // Caffeine removes expired entries in its own maintenance, which may not have run yet.
        verified.cleanUp();
        return verified.estimatedSize();
    }

    /** @return the expected issuer and where it came from */
    public HubMetadata.Issuer expectedIssuer() {
        return issuer.issuer();
    }

    /** @return the expected audience */
    public String audience() {
        return audience;
    }

    /** The cache key: SHA-256 of the key as presented, so the cache holds no usable credential. */
    static String hash(String presented) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(presented.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key that must be refused, with a short reason code and a message safe to show the client. */
    public static final class InvalidKeyException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reason;

        InvalidKeyException(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        /**
         * @return the reason code: missing, malformed, unsigned, wrong-type, wrong-algorithm, unknown-kid,
         *         bad-signature, keys-unavailable, expired, invalid, wrong-issuer, wrong-audience, revoked,
         *         site-suspended
         */
        public String reason() {
            return reason;
        }
    }
}
