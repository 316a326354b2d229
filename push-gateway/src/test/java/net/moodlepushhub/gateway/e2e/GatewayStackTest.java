package net.moodlepushhub.gateway.e2e;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import net.moodlepushhub.common.keys.KeyEncryption;
import net.moodlepushhub.testsupport.FakeFcmServer;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import net.moodlepushhub.testsupport.TestStack;
import net.moodlepushhub.testsupport.TestStack.RegisteredSite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the gateway's end-to-end classes share: the stack ({@link GatewayStackExtension}) and the calls and checks
 * they make against it (Moodle's AirNotifier requests, the v1 API, problem documents). No test state is shared:
 * each class registers its own sites.
 */
@ExtendWith(GatewayStackExtension.class)
abstract class GatewayStackTest {

    static final String PROBLEM_JSON = "application/problem+json";
    static final String TYPE_PREFIX = "https://moodle-push-hub.org/problems/";

    static TestStack stack;
    static HttpJson gateway;
    static HttpJson hub;
    static MockApnsFixture apns;
    static FakeFcmServer fcm;
    static StandInSite site;

    @BeforeAll
    static void useStack(TestStack shared) {
        stack = shared;
        gateway = shared.gateway();
        hub = shared.hub();
        apns = shared.apns();
        fcm = shared.fcm();
        site = shared.site();
    }

    static RegisteredSite register() {
        return stack.registerSite();
    }

    static void registerConfirmed(RegisteredSite s, String token, String device) {
        Answer a = gateway.send("POST", "api/v1/tokens", json(Map.of("token", token, "device", device)), s.siteKey());
        assertThat(a.status()).as(a.toString()).isIn(200, 201);
    }

    /** @return an APNs token registered at the mock and confirmed for the site */
    static String confirmedApnsToken(RegisteredSite s) {
        String token = apns.registerDeviceToken();
        registerConfirmed(s, token, "ios");
        return token;
    }

    static Answer send(String key, List<String> tokens, String alert) {
        return gateway.send("POST", "api/v1/notifications", json(Map.of("tokens", tokens, "alert", alert)), key);
    }

    /** Polls a notification until nothing of it is queued or claimed any more. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> awaitSettled(RegisteredSite s, String notificationId) {
        assertThat(notificationId).isNotNull();
        Map<String, Object>[] last = new Map[1];
        awaitUntil(Duration.ofSeconds(60), "notification " + notificationId + " settled", () -> {
            Answer a = gateway.send("GET", "api/v1/notifications/" + notificationId, null, s.siteKey());
            assertThat(a.status()).as(a.toString()).isEqualTo(200);
            last[0] = a.json();
            Map<String, Long> counts = counts(last[0]);
            return counts.getOrDefault("queued", 0L) == 0 && counts.getOrDefault("claimed", 0L) == 0 && counts.getOrDefault("expanding", 0L) == 0;
        });
        return last[0];
    }

    /** Waits for {@code countSql} (one parameter) on the gateway's database to count something. */
    static void awaitGatewayDb(String what, String countSql, Object arg) {
        awaitUntil(Duration.ofSeconds(20), what, () -> stack.countInGateway(countSql, arg) > 0);
    }

    static void awaitUntil(Duration timeout, String what, Callable<Boolean> condition) {
        await(what).atMost(timeout).pollInterval(Duration.ofMillis(100)).until(condition);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Long> counts(Map<String, Object> state) {
        Map<String, Long> out = new LinkedHashMap<>();
        ((Map<String, Object>) state.get("counts")).forEach((k, v) -> out.put(k, ((Number) v).longValue()));
        return out;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> recipients(Answer a) {
        assertThat(a.status()).as(a.toString()).isEqualTo(202);
        return (List<Map<String, Object>>) a.json().get("recipients");
    }

    static List<String> recipientStatuses(Answer a) {
        return recipients(a).stream().map(m -> (String) m.get("status")).toList();
    }

    static List<MockApnsFixture.Received> acceptedFor(String token) {
        return apns.accepted().stream().filter(r -> r.deviceToken().equals(token)).toList();
    }

    static void assertInvalidKey(String key, String what) {
        Answer a = gateway.send("GET", "api/v1/deliveries", null, key);
        assertThat(a.status()).as(what + ": " + a).isEqualTo(401);
        assertProblem(a, 401, "invalid-key");
        Answer legacy = moodle("POST", "tokens/testtoken", key, null, "", null);
        assertThat(legacy.get("error")).as(what + " (Moodle API): " + legacy).isEqualTo("Invalid access key");
    }

    static void assertProblem(Answer a, int status, String code) {
        assertThat(a.status()).as(a.toString()).isEqualTo(status);
        assertThat(a.contentType()).as(a.toString()).startsWith(PROBLEM_JSON);
        assertThat(a.get("type")).as(a.toString()).isEqualTo(TYPE_PREFIX + code);
        assertThat(a.get("code")).isEqualTo(code);
        assertThat(a.json().get("status")).isEqualTo((long) status);
    }

    /** A request as Moodle's airnotifier plugin makes it. */
    static Answer moodle(String method, String path, String key, Map<String, String> multipart, String body) {
        return moodle(method, path, key, multipart, body, null);
    }

    static Answer moodle(String method, String path, String key, Map<String, String> multipart, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .header("X-AN-APP-NAME", "commoodlemoodlemobile")
                .header("User-Agent", "MoodleBot/1.0");
        if (key != null) {
            b.header("X-AN-APP-KEY", key);
        }
        if (multipart != null) {
            String boundary = "------------------------" + UUID.randomUUID().toString().replace("-", "");
            StringBuilder sb = new StringBuilder();
            multipart.forEach((name, value) -> sb.append("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(name).append("\"\r\n\r\n")
                    .append(value).append("\r\n"));
            sb.append("--").append(boundary).append("--\r\n");
            b.header("Content-Type", "multipart/form-data; boundary=" + boundary);
            b.method(method, HttpRequest.BodyPublishers.ofString(sb.toString()));
        } else if (body != null) {
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            b.method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return gateway.exchange(b.build());
    }

    static String sign(ECKey key, String typ, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(typ)).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    /** The hub's private signing key, read from its database through the same decryption the hub uses. */
    static ECKey hubSigningKey(String kid) throws Exception {
        return ECKey.parse(KeyEncryption.fromBase64(StackConfig.TEST_KEYS_ENCRYPTION_KEY).decrypt(MariaDbDatabases.string(
                stack.hubDbUrl(), stack.dbUser(), stack.dbPassword(), "select private_jwk from signing_key where kid = ?", kid), kid));
    }

    /** The gateway's server root (health and metrics live there, outside the application's context root). */
    static String serverRoot() {
        return URI.create(gateway.base()).resolve("/").toString();
    }

    @SuppressWarnings("unchecked")
    static String json(Map<String, ?> map) {
        return JSONObjectUtils.toJSONString((Map<String, Object>) map);
    }

    static String md5(String s) {
        return TestStack.md5(s);
    }
}
