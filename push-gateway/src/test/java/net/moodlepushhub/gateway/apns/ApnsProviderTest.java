package net.moodlepushhub.gateway.apns;

import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.Priority;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.SendOutcome;
import net.moodlepushhub.testsupport.MockApnsFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ApnsProviderTest {

    private static MockApnsFixture apns;
    private static ApnsProvider provider;

    @BeforeAll
    static void start() {
        apns = MockApnsFixture.start();
        provider = providerFor(apns, 100);
    }

    @AfterAll
    static void stop() {
        if (provider != null) {
            provider.close();
        }
        if (apns != null) {
            apns.close();
        }
    }

    static ApnsProvider providerFor(MockApnsFixture f, int maxInFlight) {
        return ApnsProvider.builder()
                .server(f.host(), f.port())
                .trustedServerCertificates(f.serverCertificate())
                .tokenAuth(f.signingKeyPkcs8Pem(), f.teamId(), f.keyId())
                .topic(f.topic())
                .concurrentConnections(1)
                .maxInFlight(maxInFlight)
                .build();
    }

    private static SendOutcome send(ApnsProvider p, PushMessage m) throws Exception {
        return p.send(m).get(20, TimeUnit.SECONDS);
    }

    private static PushMessage.Builder msg(String key, String token) {
        return PushMessage.builder(key, token, Platform.APNS);
    }

    private static MockApnsFixture.Received lastFor(String token) {
        List<MockApnsFixture.Received> all = apns.received();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).deviceToken().equalsIgnoreCase(token)) {
                return all.get(i);
            }
        }
        throw new AssertionError("nothing received for " + token);
    }

    @Test
    void acceptedNotificationIsDeliveredWithDeterministicApnsIdAndMoodleExtra() throws Exception {
        String token = apns.registerDeviceToken();
        Instant exp = Instant.now().plusSeconds(3600);
        PushMessage m = msg("notif-1:0", token).alert("Hello").title("Course").sound("default").badge(3)
                .jsonExtra("{\"site\":\"abc\",\"notification\":1,\"customdata\":\"{\\\"a\\\":1}\",\"aps\":\"x\"}")
                .expiration(exp).collapseId("c1").priority(Priority.HIGH).build();

        SendOutcome outcome = send(provider, m);

        assertThat(outcome).isEqualTo(new SendOutcome.Delivered(ApnsProvider.apnsIdFor("notif-1:0").toString()));
        MockApnsFixture.Received r = lastFor(token);
        assertThat(r.rejection()).isNull();
        assertThat(r.headers()).containsEntry("apns-id", ApnsProvider.apnsIdFor("notif-1:0").toString())
                .containsEntry("apns-topic", MockApnsFixture.DEFAULT_TOPIC)
                .containsEntry("apns-priority", "10")
                .containsEntry("apns-push-type", "alert")
                .containsEntry("apns-collapse-id", "c1")
                .containsEntry("apns-expiration", Long.toString(exp.getEpochSecond()));
        Map<String, Object> payload = JSONObjectUtils.parse(r.payload());
        Map<String, Object> aps = JSONObjectUtils.getJSONObject(payload, "aps");
        assertThat(aps).containsEntry("badge", 3L).containsEntry("sound", "default").doesNotContainKey("mutable-content");
        assertThat(JSONObjectUtils.getJSONObject(aps, "alert")).containsEntry("title", "Course").containsEntry("body", "Hello");
        assertThat(payload).containsEntry("site", "abc").containsEntry("notification", 1L)
                .containsEntry("customdata", "{\"a\":1}");
    }

    @Test
    void apnsIdIsStableAndUuidVersion5() {
        assertThat(ApnsProvider.apnsIdFor("k")).isEqualTo(ApnsProvider.apnsIdFor("k"));
        assertThat(ApnsProvider.apnsIdFor("k")).isNotEqualTo(ApnsProvider.apnsIdFor("k2"));
        assertThat(ApnsProvider.apnsIdFor("k").version()).isEqualTo(5);
        assertThat(ApnsProvider.apnsIdFor("k").variant()).isEqualTo(2);
    }

    @Test
    void encryptedMessageGetsMutableContent() throws Exception {
        String token = apns.registerDeviceToken();
        PushMessage m = msg("enc:0", token).title("Moodle").jsonExtra("{\"encrypted\":true,\"smallmessage\":\"c2VhbGVk\"}").build();

        assertThat(send(provider, m)).isInstanceOf(SendOutcome.Delivered.class);

        MockApnsFixture.Received r = lastFor(token);
        Map<String, Object> payload = JSONObjectUtils.parse(r.payload());
        assertThat(JSONObjectUtils.getJSONObject(payload, "aps")).containsEntry("mutable-content", 1L);
        assertThat(payload).containsEntry("encrypted", true).containsEntry("smallmessage", "c2VhbGVk");
        assertThat(r.headers()).containsEntry("apns-push-type", "alert");
    }

    @Test
    void messageWithoutAlertAndTitleIsBackgroundPush() throws Exception {
        String token = apns.registerDeviceToken();
        PushMessage m = msg("bg:0", token).jsonExtra("{\"x\":\"y\"}").sound("default").build();

        assertThat(send(provider, m)).isInstanceOf(SendOutcome.Delivered.class);

        MockApnsFixture.Received r = lastFor(token);
        assertThat(r.headers()).containsEntry("apns-push-type", "background").containsEntry("apns-priority", "5");
        Map<String, Object> aps = JSONObjectUtils.getJSONObject(JSONObjectUtils.parse(r.payload()), "aps");
        assertThat(aps).containsEntry("content-available", 1L).doesNotContainKey("alert").doesNotContainKey("sound");
    }

    @Test
    void normalPriorityIsFive() throws Exception {
        String token = apns.registerDeviceToken();
        assertThat(send(provider, msg("p:0", token).alert("x").priority(Priority.NORMAL).build()))
                .isInstanceOf(SendOutcome.Delivered.class);
        assertThat(lastFor(token).headers()).containsEntry("apns-priority", "5");
    }

    @Test
    void unregisteredTokenIsInvalidWithTimestamp() throws Exception {
        String token = apns.registerDeviceToken();
        Instant since = Instant.ofEpochMilli(Instant.now().minusSeconds(86400).toEpochMilli());
        apns.unregister(token, since);

        SendOutcome outcome = send(provider, msg("u:0", token).alert("hi").build());

        assertThat(outcome).isEqualTo(new SendOutcome.InvalidToken("Unregistered", since));
    }

    @Test
    void malformedTokenIsInvalid() throws Exception {
        SendOutcome outcome = send(provider, msg("b:0", "abcdef0123").alert("hi").build());
        assertThat(outcome).isEqualTo(new SendOutcome.InvalidToken("BadDeviceToken", null));
    }

    @Test
    void unknownTokenIsInvalid() throws Exception {
        SendOutcome outcome = send(provider, msg("n:0", MockApnsFixture.randomToken()).alert("hi").build());
        assertThat(outcome).isEqualTo(new SendOutcome.InvalidToken("DeviceTokenNotForTopic", null));
    }

    @Test
    void tokenOfAnotherAppIsInvalid() throws Exception {
        String token = MockApnsFixture.randomToken();
        apns.registerDeviceToken("com.example.other", token);
        SendOutcome outcome = send(provider, msg("o:0", token).alert("hi").build());
        assertThat(outcome).isEqualTo(new SendOutcome.InvalidToken("DeviceTokenNotForTopic", null));
    }

    @Test
    void longMultibyteAlertIsShortenedToFitAndDelivered() throws Exception {
        String token = apns.registerDeviceToken();
        String alert = "😀漢字é".repeat(2000);
        SendOutcome outcome = send(provider, msg("long:0", token).alert(alert).title("T")
                .jsonExtra("{\"site\":\"s\"}").build());

        assertThat(outcome).isInstanceOf(SendOutcome.Delivered.class);
        MockApnsFixture.Received r = lastFor(token);
        assertThat(r.payload().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
        String body = (String) JSONObjectUtils.getJSONObject(JSONObjectUtils.getJSONObject(
                JSONObjectUtils.parse(r.payload()), "aps"), "alert").get("body");
        assertThat(body).endsWith("…");
        assertThat(alert).startsWith(body.substring(0, body.length() - 1));
    }

    @Test
    void payloadThatCannotFitFails() throws Exception {
        String token = apns.registerDeviceToken();
        String extra = "{\"big\":\"" + "x".repeat(5000) + "\"}";
        SendOutcome outcome = send(provider, msg("big:0", token).alert("hi").jsonExtra(extra).build());
        assertThat(outcome).isEqualTo(new SendOutcome.Failed("payload-too-large"));
    }

    @Test
    void invalidExtraFails() throws Exception {
        SendOutcome outcome = send(provider, msg("ie:0", apns.registerDeviceToken()).alert("hi").jsonExtra("[1,2").build());
        assertThat(outcome).isEqualTo(new SendOutcome.Failed("invalid-extra"));
    }

    @Test
    void inFlightNotificationsAreBounded() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PushNotificationHandlerFactory slow = session -> (headers, payload) -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (MockApnsFixture slowApns = MockApnsFixture.start(MockApnsFixture.DEFAULT_TOPIC, slow);
             ApnsProvider bounded = providerFor(slowApns, 2)) {
            List<CompletableFuture<SendOutcome>> first = new ArrayList<>();
            first.add(bounded.send(msg("f:0", MockApnsFixture.randomToken()).alert("a").build()));
            first.add(bounded.send(msg("f:1", MockApnsFixture.randomToken()).alert("b").build()));
            assertThat(bounded.inFlight()).isEqualTo(2);

            SendOutcome third = bounded.send(msg("f:2", MockApnsFixture.randomToken()).alert("c").build())
                    .get(1, TimeUnit.SECONDS);
            assertThat(third).isEqualTo(new SendOutcome.Retryable("in-flight-limit", null));

            release.countDown();
            for (CompletableFuture<SendOutcome> f : first) {
                assertThat(f.get(20, TimeUnit.SECONDS)).isInstanceOf(SendOutcome.Delivered.class);
            }
            assertThat(bounded.inFlight()).isZero();
            assertThat(bounded.send(msg("f:3", MockApnsFixture.randomToken()).alert("d").build())
                    .get(20, TimeUnit.SECONDS)).isInstanceOf(SendOutcome.Delivered.class);
        }
    }

    @Test
    void connectionFailureIsRetryable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (ApnsProvider p = ApnsProvider.builder().server("127.0.0.1", closedPort)
                .trustedServerCertificates(apns.serverCertificate())
                .tokenAuth(apns.signingKey()).topic(apns.topic())
                .connectionTimeout(Duration.ofSeconds(2)).build()) {
            SendOutcome outcome = p.send(msg("io:0", MockApnsFixture.randomToken()).alert("x").build())
                    .get(30, TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(SendOutcome.Retryable.class);
            assertThat(((SendOutcome.Retryable) outcome).reason()).startsWith("io:");
            assertThat(p.inFlight()).isZero();
        }
    }
}
