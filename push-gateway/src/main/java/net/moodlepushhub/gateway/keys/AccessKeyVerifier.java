package net.moodlepushhub.gateway.keys;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.keys.MoodleAccessKey;
import net.moodlepushhub.gateway.GatewaySettings;

import java.net.MalformedURLException;
import java.net.URL;
import java.text.ParseException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Verifies the access keys the hub issued: ES256 only, the {@code typ} of one kind (never the other), the
 * hub as issuer, this gateway as audience, not expired, required claims present, not revoked, and the site
 * in good standing.
 *
 * <p>The hub's JWKS is cached: it is downloaded again when a key carries an unknown {@code kid}, at most once
 * per {@code gateway.keys.jwks-refresh-min-interval}, and the cached keys keep working while the hub is down.
 * A key whose {@code kid} cannot be found even after a refresh is refused.</p>
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

    private final Map<AccessKeyKind, DefaultJWTProcessor<SecurityContext>> processors = new EnumMap<>(AccessKeyKind.class);

    @PostConstruct
    void start() {
        JWKSource<SecurityContext> jwks;
        try {
            jwks = JWKSourceBuilder.create(new URL(settings.hubUrl() + "/.well-known/jwks.json"))
                    .cache(Duration.ofMinutes(5).toMillis(), Duration.ofSeconds(5).toMillis())
                    .rateLimited(settings.jwksRefreshMinInterval().toMillis())
                    // Keep verifying with the last keys seen while the hub is unreachable.
                    .outageTolerant(Duration.ofDays(7).toMillis())
                    .retrying(true)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalStateException("gateway.hub-url is not a URL", e);
        }
        for (AccessKeyKind kind : AccessKeyKind.values()) {
            DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
            p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(kind.typ())));
            p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHM, jwks));
            p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(settings.audience(),
                    new JWTClaimsSet.Builder().issuer(settings.issuer()).build(),
                    new HashSet<>(List.of("sub", "jti", "iat", "exp", AccessKeyKind.Claims.SCOPE))));
            processors.put(kind, p);
        }
    }

    /**
     * Verifies a presented key.
     *
     * @param presented the key as sent: a compact JWT or its Moodle-safe form; may be null
     * @return the verified caller
     * @throws InvalidKeyException with a reason safe to show the client
     */
    public Caller verify(String presented) throws InvalidKeyException {
        if (presented == null || presented.isBlank() || "none".equals(presented)) {
            throw new InvalidKeyException("missing", "No access key was sent.");
        }
        String compact = MoodleAccessKey.toCompactJwt(presented.trim());
        if (compact == null) {
            throw new InvalidKeyException("malformed", "The access key is not in a recognised format.");
        }
        AccessKeyKind kind;
        try {
            var parsed = JWTParser.parse(compact);
            if (!(parsed instanceof SignedJWT signed)) {
                throw new InvalidKeyException("unsigned", "Unsigned keys are refused.");
            }
            JOSEObjectType typ = signed.getHeader().getType();
            kind = typ == null ? null : AccessKeyKind.forTyp(typ.getType());
        } catch (ParseException e) {
            throw new InvalidKeyException("malformed", "The access key is not a valid JWT.");
        }
        if (kind == null) {
            throw new InvalidKeyException("wrong-type", "The access key is not of a type this gateway accepts.");
        }
        JWTClaimsSet claims;
        try {
            claims = processors.get(kind).process(compact, null);
        } catch (BadJOSEException e) {
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (message.contains("Expired")) {
                throw new InvalidKeyException("expired", "The access key has expired.");
            }
            throw new InvalidKeyException("invalid", "The access key could not be verified.");
        } catch (Exception e) {
            LOG.fine(() -> "key verification failed: " + e);
            throw new InvalidKeyException("invalid", "The access key could not be verified.");
        }
        String jti = claims.getJWTID();
        String siteId = claims.getSubject();
        if (revocations.isKeyRevoked(jti)) {
            throw new InvalidKeyException("revoked", "The access key has been revoked.");
        }
        RevocationRegistry.SiteState state = revocations.siteState(siteId);
        if (state == RevocationRegistry.SiteState.REVOKED) {
            throw new InvalidKeyException("revoked", "The access key has been revoked.");
        }
        if (state == RevocationRegistry.SiteState.SUSPENDED) {
            throw new InvalidKeyException("site-suspended", "This site is suspended by the hub's operators.");
        }
        Set<String> scopes;
        String siteUrl;
        try {
            scopes = Set.of(claims.getStringClaim(AccessKeyKind.Claims.SCOPE).split(" "));
            siteUrl = claims.getStringClaim(AccessKeyKind.Claims.SITE_URL);
        } catch (ParseException | RuntimeException e) {
            throw new InvalidKeyException("invalid", "The access key's claims are malformed.");
        }
        // Least privilege: a key never gets more than its kind allows, whatever it claims.
        if (!kind.scopes().containsAll(scopes)) {
            throw new InvalidKeyException("invalid", "The access key claims scopes its type does not allow.");
        }
        return new Caller(siteId, siteUrl, kind, scopes, jti, claims.getExpirationTime().toInstant());
    }

    /** A key that must be refused, with a short reason code and a message safe to show the client. */
    public static final class InvalidKeyException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reason;

        InvalidKeyException(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        /** @return the reason code (missing, malformed, unsigned, wrong-type, expired, invalid, revoked, site-suspended) */
        public String reason() {
            return reason;
        }
    }
}
