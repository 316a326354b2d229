package net.moodlepushhub.hub.admin;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.keys.SigningKeys;

import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Admin console sessions: short-lived JWTs the hub signs with its own signing key and verifies itself.
 *
 * <p>They share the hub's ES256 key with site and device keys, so they are kept apart by explicit typing
 * (RFC 8725 §3.11-3.12): header {@code typ} {@code mph-admin+jwt} and audience {@code moodle-push-hub-admin},
 * both required here and never accepted by the gateway (which wants {@code mph-site+jwt}/{@code mph-device+jwt}
 * and {@code moodle-push-gateway}). A session is stateless: it ends when it expires; the operator's account is
 * re-read on every request, so disabling an account or changing its role takes effect at once.</p>
 */
@ApplicationScoped
public class AdminSessions {

    /** The {@code typ} header of an admin session token. */
    public static final JOSEObjectType TYPE = new JOSEObjectType("mph-admin+jwt");
    /** The audience of an admin session token: the hub's admin API, nothing else. */
    public static final String AUDIENCE = "moodle-push-hub-admin";

    @Inject
    SigningKeys signingKeys;

    @Inject
    HubSettings settings;

    /** A session token and when it ends. */
    public record Session(String token, Instant expiresAt) {
    }

    /**
     * @param username the operator
     * @param role     its role at login (informational: the database is authoritative)
     * @return a new session
     */
    public Session issue(String username, Role role) {
        Instant now = Instant.now();
        Instant exp = now.plus(settings.adminSessionLifetime());
        SigningKeys.Active key = signingKeys.active();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(settings.issuer())
                .audience(AUDIENCE)
                .subject(username)
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .claim("role", role.wire())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(SigningKeys.ALGORITHM).type(TYPE).keyID(key.kid()).build(), claims);
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign an admin session", e);
        }
        return new Session(jwt.serialize(), exp);
    }

    /**
     * @param token a presented session token
     * @return the operator's username when the token is a valid, unexpired admin session of this hub
     */
    public Optional<String> verify(String token) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(TYPE));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(SigningKeys.ALGORITHM, new ImmutableJWKSet<>(signingKeys.publicKeys())));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(AUDIENCE,
                new JWTClaimsSet.Builder().issuer(settings.issuer()).build(), Set.of("sub", "exp", "iat", "jti"));
        claims.setMaxClockSkew(5);
        processor.setJWTClaimsSetVerifier(claims);
        try {
            return Optional.ofNullable(processor.process(token, null).getSubject());
        } catch (ParseException | BadJOSEException | JOSEException e) {
            return Optional.empty();
        }
    }
}
