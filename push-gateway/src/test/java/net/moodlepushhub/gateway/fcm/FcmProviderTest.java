package net.moodlepushhub.gateway.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.Priority;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.PushProvider;
import net.moodlepushhub.gateway.provider.SendOutcome;
import net.moodlepushhub.testsupport.FakeFcmServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class FcmProviderTest {

    private FakeFcmServer fcm;
    private FcmProvider provider;

    @BeforeEach
    void start() {
        fcm = FakeFcmServer.start();
        provider = FcmProvider.builder().serviceAccountJson(fcm.serviceAccountJson()).baseUrl(fcm.baseUrl()).build();
    }

    @AfterEach
    void stop() {
        provider.close();
        fcm.close();
    }

    private static SendOutcome send(FcmProvider p, PushMessage m) throws Exception {
        return p.send(m).get(20, TimeUnit.SECONDS);
    }

    private static PushMessage.Builder msg(String token) {
        return PushMessage.builder("k:" + token.hashCode(), token, Platform.FCM);
    }

    @Test
    void aPreparedNotificationSendsWhatASingleSendWould() throws Exception {
        PushMessage template = msg("placeholder").alert("Body").title("Title").sound("default").badge(3)
                .jsonExtra("{\"site\":\"abc\",\"notification\":1}").build();
        PushProvider.Prepared prepared = provider.prepare(template);
        String a = FakeFcmServer.randomToken();
        String b = FakeFcmServer.randomToken();

        assertThat(prepared.send("k:a", a).get(20, TimeUnit.SECONDS)).isInstanceOf(SendOutcome.Delivered.class);
        assertThat(prepared.send("k:b", b).get(20, TimeUnit.SECONDS)).isInstanceOf(SendOutcome.Delivered.class);
        assertThat(send(provider, msg(a).alert("Body").title("Title").sound("default").badge(3)
                .jsonExtra("{\"site\":\"abc\",\"notification\":1}").build())).isInstanceOf(SendOutcome.Delivered.class);

        List<Map<String, Object>> received = fcm.received();
        assertThat(received).hasSize(3);
        assertThat(received.get(0).get("token")).isEqualTo(a);
        assertThat(received.get(1).get("token")).isEqualTo(b);
        assertThat(received.get(0)).isEqualTo(received.get(2));
    }

    @Test
    void deliversAndShapesMessage() throws Exception {
        String token = FakeFcmServer.randomToken();
        Instant exp = Instant.now().plusSeconds(600);
        PushMessage m = msg(token).alert("Body").title("Title").sound("default").badge(2).expiration(exp)
                .collapseId("c9").priority(Priority.NORMAL)
                .jsonExtra("{\"site\":\"abc\",\"notification\":1,\"encrypted\":false,\"customdata\":\"{}\","
                        + "\"nested\":{\"a\":true},\"nothing\":null}")
                .build();

        SendOutcome outcome = send(provider, m);

        assertThat(outcome).isInstanceOf(SendOutcome.Delivered.class);
        assertThat(((SendOutcome.Delivered) outcome).providerMessageId()).startsWith("projects/test-project/messages/");
        assertThat(fcm.receivedFor(token)).isEqualTo(1);
        Map<String, Object> sent = fcm.received().get(0);
        assertThat(JSONObjectUtils.getJSONObject(sent, "notification")).containsEntry("title", "Title")
                .containsEntry("body", "Body");
        assertThat(JSONObjectUtils.getJSONObject(sent, "data")).containsEntry("site", "abc")
                .containsEntry("notification", "1").containsEntry("encrypted", "0").containsEntry("customdata", "{}")
                .containsEntry("nested", "{\"a\":true}").doesNotContainKey("nothing");
        Map<String, Object> android = JSONObjectUtils.getJSONObject(sent, "android");
        assertThat(android).containsEntry("priority", "NORMAL").containsEntry("collapse_key", "c9");
        assertThat((String) android.get("ttl")).matches("(59\\d|600)s");
        Map<String, Object> apns = JSONObjectUtils.getJSONObject(sent, "apns");
        assertThat(JSONObjectUtils.getJSONObject(apns, "headers")).containsEntry("apns-priority", "5")
                .containsEntry("apns-expiration", Long.toString(exp.getEpochSecond()))
                .containsEntry("apns-collapse-id", "c9");
        Map<String, Object> aps = JSONObjectUtils.getJSONObject(JSONObjectUtils.getJSONObject(apns, "payload"), "aps");
        assertThat(aps).containsEntry("badge", 2L).containsEntry("sound", "default").doesNotContainKey("mutable-content");
    }

    @Test
    void encryptedMessageHasNoNotificationAndMutableContent() throws Exception {
        String token = FakeFcmServer.randomToken();
        assertThat(send(provider, msg(token).jsonExtra("{\"encrypted\":true,\"smallmessage\":\"c2VhbA==\"}").build()))
                .isInstanceOf(SendOutcome.Delivered.class);
        Map<String, Object> sent = fcm.received().get(0);
        assertThat(sent).doesNotContainKey("notification");
        assertThat(JSONObjectUtils.getJSONObject(sent, "data")).containsEntry("smallmessage", "c2VhbA==")
                .containsEntry("encrypted", "1");
        Map<String, Object> apns = JSONObjectUtils.getJSONObject(sent, "apns");
        assertThat(JSONObjectUtils.getJSONObject(JSONObjectUtils.getJSONObject(apns, "payload"), "aps"))
                .containsEntry("mutable-content", 1L);
        assertThat(JSONObjectUtils.getJSONObject(sent, "android")).containsEntry("priority", "HIGH");
    }

    @Test
    void longBodyIsShortenedToFit() throws Exception {
        String token = FakeFcmServer.randomToken();
        String body = "Grüße 🎓 日本語 ".repeat(600);
        assertThat(send(provider, msg(token).alert(body).title("T").jsonExtra("{\"site\":\"x\"}").build()))
                .isInstanceOf(SendOutcome.Delivered.class);
        String sentBody = (String) JSONObjectUtils.getJSONObject(fcm.received().get(0), "notification").get("body");
        assertThat(sentBody).endsWith("…");
        assertThat(body).startsWith(sentBody.substring(0, sentBody.length() - 1));
        assertThat(sentBody.getBytes(StandardCharsets.UTF_8).length).isLessThan(4096);
    }

    @Test
    void tooLargeDataFailsWithoutSending() throws Exception {
        String extra = "{\"big\":\"" + "y".repeat(5000) + "\"}";
        assertThat(send(provider, msg(FakeFcmServer.randomToken()).alert("x").jsonExtra(extra).build()))
                .isEqualTo(new SendOutcome.Failed("payload-too-large"));
        assertThat(fcm.sendRequests()).isZero();
    }

    @Test
    void unregisteredTokenIsInvalid() throws Exception {
        String token = FakeFcmServer.randomToken();
        fcm.markUnregistered(token);
        SendOutcome outcome = send(provider, msg(token).alert("x").build());
        assertThat(outcome).isInstanceOf(SendOutcome.InvalidToken.class);
        assertThat(((SendOutcome.InvalidToken) outcome).reason()).startsWith("UNREGISTERED");
    }

    @Test
    void malformedTokenIsInvalid() throws Exception {
        SendOutcome outcome = send(provider, msg("not a token").alert("x").build());
        assertThat(outcome).isInstanceOf(SendOutcome.InvalidToken.class);
        assertThat(((SendOutcome.InvalidToken) outcome).reason()).startsWith("INVALID_ARGUMENT")
                .contains("registration token");
    }

    @Test
    void otherInvalidArgumentFails() throws Exception {
        fcm.failNext(new FakeFcmServer.Scripted(400, "INVALID_ARGUMENT", null));
        SendOutcome outcome = send(provider, msg(FakeFcmServer.randomToken()).alert("x").build());
        assertThat(outcome).isEqualTo(new SendOutcome.Failed("INVALID_ARGUMENT: Scripted failure"));
    }

    @Test
    void senderIdMismatchIsInvalidToken() throws Exception {
        String token = FakeFcmServer.randomToken();
        fcm.markForeign(token);
        SendOutcome outcome = send(provider, msg(token).alert("x").build());
        assertThat(outcome).isInstanceOf(SendOutcome.InvalidToken.class);
        assertThat(((SendOutcome.InvalidToken) outcome).reason()).startsWith("SENDER_ID_MISMATCH");
    }

    @Test
    void throttlingIsRetryableWithRetryAfterSeconds() throws Exception {
        fcm.throttle(1, "37");
        String token = FakeFcmServer.randomToken();
        SendOutcome outcome = send(provider, msg(token).alert("x").build());
        assertThat(outcome).isInstanceOf(SendOutcome.Retryable.class);
        assertThat(((SendOutcome.Retryable) outcome).reason()).startsWith("QUOTA_EXCEEDED");
        assertThat(((SendOutcome.Retryable) outcome).retryAfter()).isEqualTo(Duration.ofSeconds(37));
        assertThat(send(provider, msg(token).alert("x").build())).isInstanceOf(SendOutcome.Delivered.class);
    }

    @Test
    void unavailableIsRetryableWithHttpDateRetryAfter() throws Exception {
        fcm.failNext(new FakeFcmServer.Scripted(503, "UNAVAILABLE", "Wed, 21 Oct 2099 07:28:00 GMT"));
        SendOutcome outcome = send(provider, msg(FakeFcmServer.randomToken()).alert("x").build());
        assertThat(outcome).isInstanceOf(SendOutcome.Retryable.class);
        assertThat(((SendOutcome.Retryable) outcome).reason()).startsWith("UNAVAILABLE");
        assertThat(((SendOutcome.Retryable) outcome).retryAfter()).isGreaterThan(Duration.ofDays(365));

        fcm.failNext(new FakeFcmServer.Scripted(500, "INTERNAL", null));
        SendOutcome internal = send(provider, msg(FakeFcmServer.randomToken()).alert("x").build());
        assertThat(internal).isEqualTo(new SendOutcome.Retryable("INTERNAL: Scripted failure", null));
    }

    @Test
    void accessTokenIsFetchedOnceForManyConcurrentSends() throws Exception {
        List<CompletableFuture<SendOutcome>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(provider.send(msg(FakeFcmServer.randomToken()).alert("m" + i).build()));
        }
        for (CompletableFuture<SendOutcome> f : futures) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isInstanceOf(SendOutcome.Delivered.class);
        }
        assertThat(fcm.tokenRequests()).isEqualTo(1);
        assertThat(fcm.received()).hasSize(50);
    }

    @Test
    void accessTokenIsRefreshedShortlyBeforeExpiry() throws Exception {
        fcm.accessTokenLifetime(70);
        MutableClock clock = new MutableClock(Instant.now());
        try (FcmProvider p = FcmProvider.builder().serviceAccountJson(fcm.serviceAccountJson())
                .baseUrl(fcm.baseUrl()).clock(clock).tokenRefreshMargin(Duration.ofSeconds(60)).build()) {
            assertThat(send(p, msg(FakeFcmServer.randomToken()).alert("a").build())).isInstanceOf(SendOutcome.Delivered.class);
            assertThat(send(p, msg(FakeFcmServer.randomToken()).alert("b").build())).isInstanceOf(SendOutcome.Delivered.class);
            assertThat(fcm.tokenRequests()).isEqualTo(1);
            String first = p.accessTokens().cached().value();

            clock.advance(Duration.ofSeconds(11)); // 70 s token, 60 s margin: now due for refresh
            assertThat(send(p, msg(FakeFcmServer.randomToken()).alert("c").build())).isInstanceOf(SendOutcome.Delivered.class);
            assertThat(fcm.tokenRequests()).isEqualTo(2);
            assertThat(p.accessTokens().cached().value()).isNotEqualTo(first);
        }
    }

    @Test
    void rejectedAccessTokenIsReplacedAndSendRetriedOnce() throws Exception {
        String token = FakeFcmServer.randomToken();
        assertThat(send(provider, msg(token).alert("a").build())).isInstanceOf(SendOutcome.Delivered.class);
        fcm.revokeAccessTokens();

        assertThat(send(provider, msg(token).alert("b").build())).isInstanceOf(SendOutcome.Delivered.class);
        assertThat(fcm.tokenRequests()).isEqualTo(2);
        assertThat(fcm.receivedFor(token)).isEqualTo(2);
    }

    @Test
    void persistentAuthErrorFailsAfterOneRetry() throws Exception {
        fcm.failNext(new FakeFcmServer.Scripted(401, "THIRD_PARTY_AUTH_ERROR", null));
        fcm.failNext(new FakeFcmServer.Scripted(401, "THIRD_PARTY_AUTH_ERROR", null));
        SendOutcome outcome = send(provider, msg(FakeFcmServer.randomToken()).alert("x").build());
        assertThat(outcome).isEqualTo(new SendOutcome.Failed("THIRD_PARTY_AUTH_ERROR: Scripted failure"));
        assertThat(fcm.sendRequests()).isEqualTo(2);
        assertThat(fcm.tokenRequests()).isEqualTo(2);
    }

    @Test
    void tokenEndpointRejectingTheKeyFails() throws Exception {
        FakeFcmServer other = FakeFcmServer.start();
        try (other; FcmProvider p = FcmProvider.builder().serviceAccountJson(other.serviceAccountJson())
                .tokenUri(fcm.tokenUri()).baseUrl(fcm.baseUrl()).build()) {
            SendOutcome outcome = send(p, msg(FakeFcmServer.randomToken()).alert("x").build());
            assertThat(outcome).isInstanceOf(SendOutcome.Failed.class);
            assertThat(((SendOutcome.Failed) outcome).reason()).startsWith("oauth-400");
        }
    }

    @Test
    void unreachableServerIsRetryable() throws Exception {
        String base = fcm.baseUrl();
        String json = fcm.serviceAccountJson();
        fcm.close();
        try (FcmProvider p = FcmProvider.builder().serviceAccountJson(json).baseUrl(base).build()) {
            SendOutcome outcome = send(p, msg(FakeFcmServer.randomToken()).alert("x").build());
            assertThat(outcome).isInstanceOf(SendOutcome.Retryable.class);
            assertThat(((SendOutcome.Retryable) outcome).reason()).startsWith("oauth-io");
        }
        fcm = FakeFcmServer.start(); // for @AfterEach
    }

    @Test
    void bare404IsNotTreatedAsDeadToken() throws Exception {
        try (FcmProvider p = FcmProvider.builder().serviceAccountJson(fcm.serviceAccountJson())
                .baseUrl(fcm.baseUrl() + "/wrong").build()) {
            SendOutcome outcome = send(p, msg(FakeFcmServer.randomToken()).alert("x").build());
            assertThat(outcome).isInstanceOf(SendOutcome.Failed.class);
        }
    }

    @Test
    void serviceAccountCanBeReadFromFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("sa.json");
        Files.writeString(file, fcm.serviceAccountJson());
        try (FcmProvider p = FcmProvider.builder().serviceAccountFile(file).baseUrl(fcm.baseUrl()).build()) {
            assertThat(p.projectId()).isEqualTo("test-project");
            assertThat(send(p, msg(FakeFcmServer.randomToken()).alert("x").build())).isInstanceOf(SendOutcome.Delivered.class);
        }
    }

    /** A clock tests can move forward. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
