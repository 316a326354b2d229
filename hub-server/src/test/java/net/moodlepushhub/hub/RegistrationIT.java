package net.moodlepushhub.hub;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.SiteRegistrar;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Registration end to end: the hub in a real Payara Micro on the real MariaDB, a stand-in Moodle site on
 * 127.0.0.1 serving the challenge, and keys checked against the hub's JWKS fetched over HTTP with Nimbus.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RegistrationIT extends HubIntegrationTest {



    @BeforeEach
    void client() {
        hub = new HttpJson(base.toString());
    }

    // ---------------------------------------------------------------- the happy path

    @Test
    void siteAdminRegistersVerifiesAndGetsKeysThatVerifyAgainstTheJwks() throws Exception {
        String siteUrl = site.baseUrl() + "/moodle-" + UUID.randomUUID();
        Answer created = register(siteUrl, 1200, 300);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Map<String, Object> challenge = (Map<String, Object>) created.json().get("challenge");
        assertThat(created.get("status")).isEqualTo("pending");
        String challengeUrl = (String) challenge.get("url");
        String content = (String) challenge.get("content");
        assertThat(challengeUrl).isEqualTo(siteUrl + "/.well-known/moodle-push-hub/" + challenge.get("token"));
        assertThat(content).startsWith(challenge.get("token") + ".");
        assertThat(Base64.getUrlDecoder().decode(content.substring(content.indexOf('.') + 1))).hasSize(32);
        assertThat(challenge.get("expiresAt")).isNotNull();

        site.serve(URI.create(challengeUrl).getPath(), content + "\n");
        String siteId = created.get("siteId");
        Answer verified = hub.send("POST", "api/v1/sites/" + siteId + "/verification", null, null);
        assertThat(verified.status()).as(verified.toString()).isEqualTo(200);
        assertThat(verified.get("status")).isEqualTo("active");
        String siteKey = verified.get("siteKey");
        String deviceKey = verified.get("deviceKey");
        String moodleKey = verified.get("moodleAccessKey");
        assertThat(verified.get("managementToken")).startsWith("mphm_");

        // Moodle's PARAM_ALPHANUMEXT keeps the key verbatim, and it decodes losslessly to the site key.
        assertThat(moodleKey).matches("^[A-Za-z0-9_-]+$");
        assertThat(new String(Base64.getUrlDecoder().decode(moodleKey), StandardCharsets.US_ASCII)).isEqualTo(siteKey);

        JWTClaimsSet site = processor("mph-site+jwt").process(siteKey, null);
        assertThat(site.getSubject()).isEqualTo(siteId);
        assertThat(site.getStringClaim("scope").split(" ")).containsExactlyInAnyOrder("send", "broadcast", "confirm_token");
        assertThat(site.getStringClaim("site_url")).isEqualTo(siteUrl);
        JWTClaimsSet device = processor("mph-device+jwt").process(deviceKey, null);
        assertThat(device.getStringClaim("scope")).isEqualTo("create_token");
        assertThat(device.getJWTID()).isNotEqualTo(site.getJWTID());

        // Mutually exclusive validation: neither kind passes as the other.
        assertThatThrownBy(() -> processor("mph-site+jwt").process(deviceKey, null)).hasMessageContaining("type");
        assertThatThrownBy(() -> processor("mph-device+jwt").process(siteKey, null)).hasMessageContaining("type");

        // The admin reads the registration with the management token: every attempt is recorded.
        Answer details = hub.send("GET", "api/v1/sites/" + siteId, null, verified.get("managementToken"));
        assertThat(details.status()).as(details.toString()).isEqualTo(200);
        List<Map<String, Object>> attempts = (List<Map<String, Object>>) details.json().get("verificationAttempts");
        assertThat(attempts).hasSize(1);
        assertThat(attempts.get(0).get("outcome")).isEqualTo("valid");
        assertThat(attempts.get(0).get("resolvedAddress")).isEqualTo("127.0.0.1");
        assertThat(((Map<String, Object>) details.json().get("keys")).get("live")).isEqualTo(2L);
    }

    @Test
    void aWrongChallengeIsRefusedWithoutEchoingWhatTheSiteServed() {
        String siteUrl = site.baseUrl() + "/wrong-" + UUID.randomUUID();
        Answer created = register(siteUrl, 10, 5);
        Map<String, Object> challenge = (Map<String, Object>) created.json().get("challenge");
        String secret = "secret-" + UUID.randomUUID();
        site.serve(URI.create((String) challenge.get("url")).getPath(), secret);
        Answer refused = hub.send("POST", "api/v1/sites/" + created.get("siteId") + "/verification", null, null);
        assertProblem(refused, 422, "verification/unauthorized");
        assertThat(refused.body()).doesNotContain(secret);

        Answer missing = hub.send("POST", "api/v1/sites/" + register(site.baseUrl() + "/nothing-" + UUID.randomUUID(), 1, 1).get("siteId") + "/verification", null, null);
        assertProblem(missing, 422, "verification/unauthorized");
    }

    @Test
    void aLiveUrlIsNotTakenOverUntilTheNewRegistrationPassesItsOwnVerification() throws Exception {
        String siteUrl = site.baseUrl() + "/takeover-" + UUID.randomUUID();
        Map<String, Object> first = registerAndVerify(siteUrl);
        String firstId = (String) first.get("siteId");
        String firstToken = (String) first.get("managementToken");

        // A second registration for the same URL: pending, and the first site is untouched.
        Answer second = register(siteUrl, 10, 5);
        assertThat(second.status()).isEqualTo(201);
        assertThat(hub.send("GET", "api/v1/sites/" + firstId, null, firstToken).get("status")).isEqualTo("active");
        Answer failed = hub.send("POST", "api/v1/sites/" + second.get("siteId") + "/verification", null, null);
        assertThat(failed.status()).isEqualTo(422);
        assertThat(hub.send("GET", "api/v1/sites/" + firstId, null, firstToken).get("status")).isEqualTo("active");

        long feedHead = feedHead();
        Map<String, Object> challenge = (Map<String, Object>) second.json().get("challenge");
        site.serve(URI.create((String) challenge.get("url")).getPath(), (String) challenge.get("content"));
        Answer verified = hub.send("POST", "api/v1/sites/" + second.get("siteId") + "/verification", null, null);
        assertThat(verified.status()).as(verified.toString()).isEqualTo(200);

        // Only now is the first registration replaced and its keys revoked, announced on the feed.
        Answer firstNow = hub.send("GET", "api/v1/sites/" + firstId, null, firstToken);
        assertThat(firstNow.get("status")).isEqualTo("replaced");
        Set<String> revoked = revokedSubjects(feedHead);
        assertThat(revoked).contains(jti((String) first.get("siteKey")), jti((String) first.get("deviceKey")), firstId);
    }

    @Test
    void rotatingKeysRevokesTheOldOnesAndUnregisteringRevokesAll() throws Exception {
        Map<String, Object> registered = registerAndVerify(site.baseUrl() + "/rotate-" + UUID.randomUUID());
        String siteId = (String) registered.get("siteId");
        String token = (String) registered.get("managementToken");
        long head = feedHead();

        Answer rotated = hub.send("POST", "api/v1/sites/" + siteId + "/keys", null, token);
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        assertThat(rotated.get("siteKey")).isNotEqualTo(registered.get("siteKey"));
        assertThat(rotated.json()).doesNotContainKey("managementToken");
        processor("mph-site+jwt").process(rotated.get("siteKey"), null);
        assertThat(revokedSubjects(head)).contains(jti((String) registered.get("siteKey")), jti((String) registered.get("deviceKey")));

        head = feedHead();
        assertThat(hub.send("DELETE", "api/v1/sites/" + siteId, null, token).status()).isEqualTo(204);
        assertThat(revokedSubjects(head)).contains(jti(rotated.get("siteKey")), siteId);
        assertThat(hub.send("GET", "api/v1/sites/" + siteId, null, token).get("status")).isEqualTo("unregistered");
        assertProblem(hub.send("POST", "api/v1/sites/" + siteId + "/keys", null, token), 409, "not-active");
    }

    @Test
    void updatesAreCheckedAgainstTheQuota() {
        Map<String, Object> registered = registerAndVerify(site.baseUrl() + "/update-" + UUID.randomUUID());
        String path = "api/v1/sites/" + registered.get("siteId");
        String token = (String) registered.get("managementToken");
        Answer ok = hub.send("PATCH", path, "{\"name\":\"Renamed\",\"users\":500,\"activeUsers\":100}", token);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(ok.get("name")).isEqualTo("Renamed");
        assertThat(ok.json().get("users")).isEqualTo(500L);
        assertProblem(hub.send("PATCH", path, "{\"users\":20001}", token), 403, "quota-exceeded");
        assertProblem(hub.send("PATCH", path, "{\"users\":-1}", token), 422, "validation-failed");
        assertThat(hub.send("GET", path, null, token).json().get("users")).isEqualTo(500L);
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void badRegistrationsGetProblemsAndLeaveNothingInTheDatabase() {
        long before = siteRows();
        String good = "\"name\":\"S\",\"contactEmail\":\"admin@example.org\",\"users\":1,\"activeUsers\":1";
        assertProblem(hub.send("POST", "api/v1/sites", "{\"url\": \"http://x.example\", ", null), 400, "malformed-json");
        assertProblem(hub.send("POST", "api/v1/sites", "{" + good + "}", null), 422, "validation-failed");
        assertProblem(hub.send("POST", "api/v1/sites", "{\"url\":\"ftp://example.org\"," + good + "}", null), 422, "invalid-url");
        assertProblem(hub.send("POST", "api/v1/sites", "{\"url\":\"https://user:pw@example.org\"," + good + "}", null), 422, "invalid-url");
        assertProblem(hub.send("POST", "api/v1/sites", "{\"url\":\"https://example.org\",\"name\":\"S\",\"contactEmail\":\"not-an-email\",\"users\":1,\"activeUsers\":1}", null), 422, "validation-failed");
        assertProblem(hub.send("POST", "api/v1/sites", "{\"url\":\"https://example.org\",\"name\":\"S\",\"contactEmail\":\"a@example.org\",\"users\":-5,\"activeUsers\":1}", null), 422, "validation-failed");
        Answer quota = hub.send("POST", "api/v1/sites", "{\"url\":\"https://big.example.org\",\"name\":\"S\",\"contactEmail\":\"a@example.org\",\"users\":20001,\"activeUsers\":1}", null);
        assertProblem(quota, 403, "quota-exceeded");
        assertThat(quota.get("detail")).contains("own push gateway");
        String huge = "{\"url\":\"https://example.org\",\"name\":\"" + "x".repeat(70 * 1024) + "\"}";
        assertProblem(hub.send("POST", "api/v1/sites", huge, null), 413, "payload-too-large");
        assertThat(siteRows()).isEqualTo(before);
    }

    @Test
    void unknownSitesAndWrongTokensAreProblems() {
        Map<String, Object> registered = registerAndVerify(site.baseUrl() + "/auth-" + UUID.randomUUID());
        String path = "api/v1/sites/" + registered.get("siteId");
        assertProblem(hub.send("GET", "api/v1/sites/" + UUID.randomUUID(), null, "mphm_x"), 404, "site-not-found");
        assertProblem(hub.send("GET", path, null, null), 401, "management-token-required");
        assertProblem(hub.send("GET", path, null, "mphm_wrong"), 401, "invalid-management-token");
        assertProblem(hub.send("DELETE", path, null, "mphm_wrong"), 401, "invalid-management-token");
        assertProblem(hub.send("POST", path + "/verification", null, null), 409, "not-pending");
        assertProblem(hub.send("GET", "api/v1/nothing-here", null, null), 404, "not-found");
        assertProblem(hub.send("PUT", path, "{}", null), 405, "method-not-allowed");
        assertProblem(hub.send("GET", "api/v1/revocations", null, "wrong-feed-token"), 401, "invalid-feed-token");
    }

    @Test
    void internalEndpointsNeedTheFeedTokenAndValidateTheirInput() {
        assertProblem(hub.send("GET", "api/v1/internal/sites/" + UUID.randomUUID() + "/limits", null, "wrong"), 401, "invalid-feed-token");
        assertProblem(hub.send("POST", "api/v1/internal/usage", "{\"usage\":[]}", "wrong"), 401, "invalid-feed-token");
        assertProblem(hub.send("POST", "api/v1/internal/moodle-access-keys",
                "{\"url\":\"https://x.example\",\"moodleSiteId\":\"0123456789abcdef0123456789abcdef\"}", "wrong"), 401, "invalid-feed-token");
        assertProblem(hub.send("POST", "api/v1/internal/moodle-access-keys",
                "{\"url\":\"https://x.example\",\"moodleSiteId\":\"0123456789abcdef0123456789abcdef\"}", "it-feed-token"), 403, "site-not-verified");
        assertProblem(hub.send("POST", "api/v1/internal/usage", "{}", "it-feed-token"), 422, "validation-failed");
        assertProblem(hub.send("POST", "api/v1/internal/usage", "{\"usage\":[{\"limit\":\"x\"}]}", "it-feed-token"), 422, "validation-failed");
        assertProblem(hub.send("POST", "api/v1/internal/usage",
                "{\"usage\":[{\"siteId\":\"s\",\"limit\":\"x\",\"capacity\":\"ten\",\"remaining\":1,\"windowSeconds\":60}]}", "it-feed-token"), 422, "validation-failed");
        assertThat(hub.send("POST", "api/v1/internal/usage", "{\"usage\":[]}", "it-feed-token").status()).isEqualTo(204);
    }

    // ---------------------------------------------------------------- helpers

    Answer register(String url, int users, int active) {
        return SiteRegistrar.register(hub, url, Map.of("users", users, "activeUsers", active));
    }

    Map<String, Object> registerAndVerify(String url) {
        return SiteRegistrar.registerAndVerify(hub, site, url, Map.of());
    }

    DefaultJWTProcessor<SecurityContext> processor(String typ) throws Exception {
        JWKSource<SecurityContext> jwks = JWKSourceBuilder.create(new URL(base, ".well-known/jwks.json")).retrying(false).build();
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(typ)));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256, jwks));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("moodle-push-gateway",
                new JWTClaimsSet.Builder().issuer("http://hub.test").build(),
                new HashSet<>(List.of("sub", "jti", "iat", "exp", "scope"))));
        return processor;
    }

    public static String jti(String jwt) throws Exception {
        return com.nimbusds.jwt.SignedJWT.parse(jwt).getJWTClaimsSet().getJWTID();
    }

    long feedHead() {
        Answer a = hub.send("GET", "api/v1/revocations?after=0", null, "it-feed-token");
        long next = Long.parseLong(a.get("next"));
        while (true) {
            Answer more = hub.send("GET", "api/v1/revocations?after=" + next, null, "it-feed-token");
            long n = Long.parseLong(more.get("next"));
            if (n == next) {
                return next;
            }
            next = n;
        }
    }

    Set<String> revokedSubjects(long after) {
        Answer a = hub.send("GET", "api/v1/revocations?after=" + after + "&wait=2", null, "it-feed-token");
        assertThat(a.status()).as(a.toString()).isEqualTo(200);
        Set<String> subjects = new HashSet<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) a.json().get("events")) {
            subjects.add((String) e.get("subject"));
        }
        return subjects;
    }

    long siteRows() {
        return MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from site");
    }

    public static void assertProblem(Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(status);
        assertThat(answer.contentType()).as(answer.toString()).startsWith("application/problem+json");
        assertThat(answer.get("type")).isEqualTo("https://moodle-push-hub.org/problems/" + code);
        assertThat(answer.get("code")).isEqualTo(code);
        assertThat(answer.get("detail")).isNotBlank();
        assertThat(answer.json().get("status")).isEqualTo((long) status);
    }

}
