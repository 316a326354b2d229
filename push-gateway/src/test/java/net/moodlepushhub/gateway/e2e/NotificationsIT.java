package net.moodlepushhub.gateway.e2e;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.testsupport.FakeFcmServer;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.TestStack.RegisteredSite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sending on the v1 API: a thousand recipients with a result for each, broadcasts to the default and named
 * channels, FCM throttling retried, a permanent failure listed and retried, a site seeing and reaching only its
 * own notifications and tokens, and request problems as problem documents.
 */
class NotificationsIT extends GatewayStackTest {

    static RegisteredSite siteA;
    static RegisteredSite siteB;

    @BeforeAll
    static void sites() {
        siteA = register();
        siteB = register();
    }

    @Test
    void aSendReachesAThousandRecipientsWithAResultForEach() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 990; i++) {
            tokens.add(confirmedApnsToken(siteA));
        }
        List<String> unknown = IntStream.range(0, 10).mapToObj(i -> MockApnsFixture.randomToken()).toList();
        List<String> all = new ArrayList<>(tokens);
        for (int i = 0; i < unknown.size(); i++) {
            all.add(i * 97, unknown.get(i));
        }
        assertThat(all).hasSize(1000);
        Answer sent = send(siteA.siteKey(), all, "to a thousand");
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        List<Map<String, Object>> results = recipients(sent);
        assertThat(results).hasSize(1000);
        for (int i = 0; i < all.size(); i++) {
            assertThat(results.get(i).get("token")).isEqualTo(all.get(i));
            assertThat(results.get(i).get("status")).isEqualTo(unknown.contains(all.get(i)) ? "not_registered" : "queued");
        }
        assertThat(sent.json().get("queued")).isEqualTo(990L);
        Map<String, Object> state = awaitSettled(siteA, sent.get("notificationId"));
        assertThat(counts(state)).containsEntry("delivered", 990L);
        Map<String, Long> atMock = apns.accepted().stream().filter(r -> r.payload().contains("to a thousand"))
                .collect(Collectors.groupingBy(MockApnsFixture.Received::deviceToken, Collectors.counting()));
        assertThat(atMock.keySet()).containsExactlyInAnyOrderElementsOf(tokens);
        assertThat(atMock.values()).allMatch(n -> n == 1);

        Answer tooMany = send(siteA.siteKey(), IntStream.range(0, 1001).mapToObj(i -> MockApnsFixture.randomToken()).toList(), "too many");
        assertProblem(tooMany, 422, "too-many-recipients");
    }

    @Test
    void broadcastsReachTheDefaultChannelAndNamedChannels() {
        // A site of its own: a broadcast reaches every confirmed token of the site, and sites have 3 a day here.
        RegisteredSite s = register();
        for (int i = 0; i < 50; i++) {
            confirmedApnsToken(s);
        }
        String channelToken = confirmedApnsToken(s);
        Answer subscribed = gateway.send("POST", "api/v1/tokens/" + channelToken + "/channels", json(Map.of("channels", List.of("course-42", "staff"))), s.siteKey());
        assertThat(subscribed.status()).as(subscribed.toString()).isEqualTo(200);
        // An unconfirmed token is no recipient.
        gateway.send("POST", "api/v1/tokens", json(Map.of("token", apns.registerDeviceToken(), "device", "ios")), s.deviceKey());

        long confirmed = stack.countInGateway("select count(*) from device_token where site_id = ? and confirmed = true", s.id());
        assertThat(confirmed).isEqualTo(51);
        Answer all = gateway.send("POST", "api/v1/broadcasts", json(Map.of("alert", "broadcast to everyone")), s.siteKey());
        assertThat(all.status()).as(all.toString()).isEqualTo(202);
        assertThat(((Number) all.json().get("recipients")).longValue()).isEqualTo(confirmed);
        Map<String, Object> state = awaitSettled(s, all.get("notificationId"));
        assertThat(counts(state)).containsEntry("delivered", confirmed);

        Answer channel = gateway.send("POST", "api/v1/broadcasts", json(Map.of("channel", "course-42", "alert", "to course 42")), s.siteKey());
        assertThat(channel.status()).as(channel.toString()).isEqualTo(202);
        assertThat(channel.json().get("recipients")).isEqualTo(1L);
        awaitSettled(s, channel.get("notificationId"));
        assertThat(apns.accepted().stream().filter(r -> r.payload().contains("to course 42")).map(MockApnsFixture.Received::deviceToken))
                .containsExactly(channelToken);
    }

    @Test
    @SuppressWarnings("unchecked")
    void fcmThrottlingIsRetriedAfterRetryAfter() {
        String token = FakeFcmServer.randomToken();
        registerConfirmed(siteA, token, "Android-fcm");
        fcm.throttle(1, "1");
        Answer sent = send(siteA.siteKey(), List.of(token), "throttled once");
        Map<String, Object> state = awaitSettled(siteA, sent.get("notificationId"));
        assertThat(counts(state)).containsEntry("delivered", 1L);
        Map<String, Object> delivery = ((List<Map<String, Object>>) state.get("deliveries")).get(0);
        assertThat(((Number) delivery.get("attempts")).intValue()).isEqualTo(2);
        assertThat(fcm.receivedFor(token)).isEqualTo(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPermanentFailureIsListedAndCanBeRetried() {
        String token = FakeFcmServer.randomToken();
        registerConfirmed(siteA, token, "Android-fcm");
        fcm.failNext(new FakeFcmServer.Scripted(400, "INVALID_ARGUMENT", null));
        Answer sent = send(siteA.siteKey(), List.of(token), "fails once");
        String id = sent.get("notificationId");
        assertThat(counts(awaitSettled(siteA, id))).containsEntry("failed", 1L);

        Answer failed = gateway.send("GET", "api/v1/deliveries?status=failed", null, siteA.siteKey());
        assertThat(failed.status()).as(failed.toString()).isEqualTo(200);
        assertThat((List<Map<String, Object>>) failed.json().get("deliveries")).anySatisfy(d -> {
            assertThat(d.get("notificationId")).isEqualTo(id);
            assertThat(d.get("token")).isEqualTo(token);
        });

        Answer retried = gateway.send("POST", "api/v1/notifications/" + id + "/retry", null, siteA.siteKey());
        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(retried.json().get("requeued")).isEqualTo(1L);
        assertThat(counts(awaitSettled(siteA, id))).containsEntry("delivered", 1L);
        assertThat(fcm.receivedFor(token)).isEqualTo(1);
    }

    @Test
    void aSiteSeesOnlyItsOwnNotifications() {
        Answer sent = send(siteA.siteKey(), List.of(confirmedApnsToken(siteA)), "mine");
        Answer other = gateway.send("GET", "api/v1/notifications/" + sent.get("notificationId"), null, siteB.siteKey());
        assertProblem(other, 404, "notification-not-found");
        awaitSettled(siteA, sent.get("notificationId"));
    }

    @Test
    void aSiteCannotReachAnotherSitesToken() {
        String token = confirmedApnsToken(siteA);
        int before = acceptedFor(token).size();
        Answer answer = send(siteB.siteKey(), List.of(token), "from site B");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
        assertThat(recipientStatuses(answer)).containsExactly("not_registered");
        assertThat(answer.json().get("notificationId")).isNull();
        Answer legacy = moodle("POST", "api/v2/push/", siteB.moodleKey(), null,
                JSONObjectUtils.toJSONString(Map.of("device", "ios", "token", token, "extra", Map.of("smallmessage", "from B"))), null);
        assertProblem(legacy, 404, "token-not-registered");
        // Nothing arrives in the next second either.
        await("nothing at the mock APNs for another site's token").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> acceptedFor(token).size() == before);
        assertThat(apns.received().stream().filter(r -> r.payload().contains("from site B") || r.payload().contains("from B"))).isEmpty();
    }

    @Test
    void requestProblemsAreProblemDocuments() {
        String token = confirmedApnsToken(siteA);
        Answer missing = gateway.send("POST", "api/v1/notifications", json(Map.of("tokens", List.of(token), "alert", "x")), null);
        assertProblem(missing, 401, "missing-key");
        assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");

        Answer badJson = gateway.send("POST", "api/v1/notifications", "{\"tokens\": [", siteA.siteKey());
        assertProblem(badJson, 400, "malformed-json");
        Answer legacyBadJson = moodle("POST", "api/v2/push/", siteA.moodleKey(), null, "{not json", "application/x-www-form-urlencoded");
        assertProblem(legacyBadJson, 400, "malformed-json");

        String huge = "{\"tokens\":[\"" + token + "\"],\"alert\":\"" + "x".repeat(1024 * 1024 + 10) + "\"}";
        Answer tooLarge = gateway.send("POST", "api/v1/notifications", huge, siteA.siteKey());
        assertProblem(tooLarge, 413, "payload-too-large");

        Answer unknownStatus = gateway.send("GET", "api/v1/deliveries?status=lost", null, siteA.siteKey());
        assertProblem(unknownStatus, 400, "invalid-parameter");
        Answer notFound = gateway.send("GET", "api/v1/nothing-here", null, siteA.siteKey());
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.contentType()).startsWith(PROBLEM_JSON);
    }
}
