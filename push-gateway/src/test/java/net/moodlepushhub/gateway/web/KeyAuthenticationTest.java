package net.moodlepushhub.gateway.web;

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
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.gateway.GatewayProblem;
import net.moodlepushhub.gateway.keys.AccessKeyVerifier;
import net.moodlepushhub.gateway.keys.Caller;
import net.moodlepushhub.gateway.keys.HubMetadata;
import net.moodlepushhub.gateway.keys.KeyRefusals;
import net.moodlepushhub.gateway.keys.RevocationRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What {@link AccessKeyFeature} decides for a {@link RequiresScope} method, with real ES256 keys and the real
 * verifier (no cache, so every verification is one signature check that the test counts).
 */
class KeyAuthenticationTest {

    static final String ISSUER = "http://hub.test";
    static final String AUDIENCE = "moodle-push-gateway";
    static final List<String> REGISTRATION = List.of(AccessKeyKind.Scope.CONFIRM_TOKEN, AccessKeyKind.Scope.CREATE_TOKEN);
    static final List<String> SEND = List.of(AccessKeyKind.Scope.SEND);

    ECKey hubKey;
    AtomicInteger signatureChecks;
    RevocationRegistry registry;
    KeyAuthentication auth;

    @BeforeEach
    void setUp() throws Exception {
        hubKey = new ECKeyGenerator(Curve.P_256).keyID("hub-1").generate();
        signatureChecks = new AtomicInteger();
        ImmutableJWKSet<SecurityContext> keys = new ImmutableJWKSet<>(new JWKSet(hubKey.toPublicJWK()));
        JWKSource<SecurityContext> counting = (selector, context) -> {
            signatureChecks.incrementAndGet();
            return keys.get(selector, context);
        };
        registry = new RevocationRegistry();
        KeyRefusals refusals = new KeyRefusals(reason -> { }, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
        auth = new KeyAuthentication();
        auth.verifier = AccessKeyVerifier.standalone(counting, HubMetadata.fixed(ISSUER), AUDIENCE, registry, refusals, 0,
                Clock.systemUTC(), com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    }

    @Test
    void tokenRegistrationTakesEitherKeyVerifyingItOnce() throws Exception {
        Caller device = auth.authenticate(key(AccessKeyKind.DEVICE, "site-a"), REGISTRATION, true);
        assertThat(device.kind()).isEqualTo(AccessKeyKind.DEVICE);
        assertThat(signatureChecks).hasValue(1);

        Caller site = auth.authenticate(key(AccessKeyKind.SITE, "site-a"), REGISTRATION, false);
        assertThat(site.kind()).isEqualTo(AccessKeyKind.SITE);
        assertThat(site.siteId()).isEqualTo("site-a");
        assertThat(signatureChecks).hasValue(2);
    }

    @Test
    void aKeyWithoutTheScopeIsForbiddenNamingTheScope() throws Exception {
        ProblemException e = catchThrowableOfType(ProblemException.class,
                () -> auth.authenticate(key(AccessKeyKind.DEVICE, "site-a"), SEND, false));
        assertThat(e.problem().slug()).isEqualTo(GatewayProblem.INSUFFICIENT_SCOPE.slug());
        assertThat(e.problem().status()).isEqualTo(403);
        assertThat(e.problem().extensions()).containsEntry("scope", AccessKeyKind.Scope.SEND);
        assertThat(signatureChecks).hasValue(1);
    }

    @Test
    void refusalsInTheProjectsFormAndInMoodles() throws Exception {
        ProblemException missing = catchThrowableOfType(ProblemException.class, () -> auth.authenticate(null, SEND, false));
        assertThat(missing.problem().slug()).isEqualTo("missing-key");
        assertThat(missing.problem().status()).isEqualTo(401);

        ProblemException invalid = catchThrowableOfType(ProblemException.class, () -> auth.authenticate("bm90LWEta2V5", SEND, false));
        assertThat(invalid.problem().slug()).isEqualTo("invalid-key");
        assertThat(invalid.problem().headers()).containsKey("WWW-Authenticate");

        ProblemException legacy = catchThrowableOfType(ProblemException.class, () -> auth.authenticate("bm90LWEta2V5", SEND, true));
        assertThat(legacy.problem().status()).isEqualTo(400);
        assertThat(legacy.problem().extensions()).containsEntry("error", KeyAuthentication.LEGACY_INVALID_KEY);

        registry.apply(1, "site", "site-b", "suspend", null);
        String suspended = key(AccessKeyKind.SITE, "site-b");
        ProblemException own = catchThrowableOfType(ProblemException.class, () -> auth.authenticate(suspended, SEND, false));
        assertThat(own.problem().slug()).isEqualTo("site-suspended");
        assertThat(own.problem().status()).isEqualTo(403);
        ProblemException moodle = catchThrowableOfType(ProblemException.class, () -> auth.authenticate(suspended, SEND, true));
        assertThat(moodle.problem().extensions()).containsEntry("error", KeyAuthentication.LEGACY_INVALID_KEY).containsEntry("reason", "site-suspended");
    }

    @Test
    void theBearerHeaderWinsOverMoodlesHeader() {
        assertThat(KeyAuthentication.presentedKey("Bearer abc", "xyz")).isEqualTo("abc");
        assertThat(KeyAuthentication.presentedKey(null, "xyz")).isEqualTo("xyz");
    }

    private String key(AccessKeyKind kind, String site) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER).audience(AUDIENCE).subject(site).jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .claim(AccessKeyKind.Claims.SCOPE, kind.scopeClaim())
                .claim(AccessKeyKind.Claims.SITE_URL, "https://moodle.example.org/" + site)
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(kind.typ())).keyID(hubKey.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(hubKey));
        return jwt.serialize();
    }
}
