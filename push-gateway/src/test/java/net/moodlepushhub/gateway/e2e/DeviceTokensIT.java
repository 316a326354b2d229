package net.moodlepushhub.gateway.e2e;

import net.moodlepushhub.testsupport.FakeFcmServer;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.TestStack.RegisteredSite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Device tokens on the v1 API: a device key registers unconfirmed tokens that only the site key makes reachable,
 * channels, tokens the push services reject (deleted and listed), and concurrent registrations that never
 * answer 5xx.
 */
class DeviceTokensIT extends GatewayStackTest {

    static RegisteredSite siteA;
    static RegisteredSite siteB;

    @BeforeAll
    static void sites() {
        siteA = register();
        siteB = register();
    }

    @Test
    void aDeviceKeyRegistersUnconfirmedTokensThatOnlyTheSiteKeyMakesReachable() {
        String token = apns.registerDeviceToken();
        Answer byDevice = gateway.send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), siteA.deviceKey());
        assertThat(byDevice.status()).as(byDevice.toString()).isEqualTo(201);
        assertThat(byDevice.json()).containsEntry("confirmed", false);

        Answer unreachable = send(siteA.siteKey(), List.of(token), "not yet");
        assertThat(recipientStatuses(unreachable)).containsExactly("not_registered");

        Answer bySite = gateway.send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), siteA.siteKey());
        assertThat(bySite.status()).as(bySite.toString()).isEqualTo(201);
        assertThat(bySite.json()).containsEntry("confirmed", true);
        Answer again = gateway.send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), siteA.siteKey());
        assertThat(again.status()).isEqualTo(200);

        Answer sent = send(siteA.siteKey(), List.of(token), "now reachable");
        assertThat(recipientStatuses(sent)).containsExactly("queued");
        awaitSettled(siteA, sent.get("notificationId"));
        assertThat(acceptedFor(token)).hasSize(1);
    }

    @Test
    void aSiteSubscribesItsOwnTokensToChannelsOnly() {
        String channelToken = confirmedApnsToken(siteA);
        Answer subscribed = gateway.send("POST", "api/v1/tokens/" + channelToken + "/channels", json(Map.of("channels", List.of("course-42", "staff"))), siteA.siteKey());
        assertThat(subscribed.status()).as(subscribed.toString()).isEqualTo(200);
        Answer notMine = gateway.send("POST", "api/v1/tokens/" + channelToken + "/channels", json(Map.of("channels", List.of("x"))), siteB.siteKey());
        assertProblem(notMine, 404, "token-not-registered");
    }

    @Test
    @SuppressWarnings("unchecked")
    void tokensThePushServicesRejectAreDeletedAndListed() {
        String unregistered = apns.registerDeviceToken();
        String bad = MockApnsFixture.randomToken() + "ab"; // hexadecimal, but no APNs token: BadDeviceToken
        String otherApp = MockApnsFixture.randomToken(); // unknown for this topic: DeviceTokenNotForTopic
        String fcmGone = FakeFcmServer.randomToken();
        registerConfirmed(siteA, unregistered, "ios");
        registerConfirmed(siteA, bad, "ios");
        registerConfirmed(siteA, otherApp, "ios");
        registerConfirmed(siteA, fcmGone, "Android-fcm");
        apns.unregister(unregistered, Instant.now().minusSeconds(60));
        fcm.markUnregistered(fcmGone);

        Answer sent = send(siteA.siteKey(), List.of(unregistered, bad, otherApp, fcmGone), "to dead tokens");
        Map<String, Object> state = awaitSettled(siteA, sent.get("notificationId"));
        assertThat(counts(state)).containsEntry("invalid_token", 4L);

        Answer listed = gateway.send("GET", "api/v1/invalidated-tokens", null, siteA.siteKey());
        assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
        Map<String, String> reasons = ((List<Map<String, Object>>) listed.json().get("tokens")).stream()
                .collect(Collectors.toMap(m -> (String) m.get("token"), m -> (String) m.get("reason"), (a, b) -> a));
        assertThat(reasons).containsKeys(unregistered, bad, otherApp, fcmGone);
        assertThat(reasons.get(unregistered)).isEqualTo("Unregistered");
        assertThat(reasons.get(bad)).isEqualTo("BadDeviceToken");
        assertThat(reasons.get(fcmGone)).startsWith("UNREGISTERED");
        System.out.println("[DeviceTokensIT] invalidation reasons: " + reasons.values());
        // Deleted: the site can no longer reach them.
        assertThat(recipientStatuses(send(siteA.siteKey(), List.of(unregistered, bad, otherApp, fcmGone), "again"))).containsOnly("not_registered");
    }

    @Test
    void concurrentDeviceRegistrationsNeverAnswer5xx() throws Exception {
        // 16 clients register 1,200 new tokens of one site, each token twice at once (a device key and the site
        // key racing for the same token, the confirm included), into the same index gaps: the pattern that
        // deadlocked when a registration locked the missing row first.
        RegisteredSite s = register();
        List<String> tokens = IntStream.range(0, 1200).mapToObj(i -> MockApnsFixture.randomToken()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        ConcurrentHashMap<Integer, Integer> statuses = new ConcurrentHashMap<>();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> all = new ArrayList<>();
            for (String token : tokens) {
                for (String key : List.of(s.deviceKey(), s.siteKey())) {
                    all.add(pool.submit(() -> {
                        Answer a = new HttpJson(gateway.base()).send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), key);
                        statuses.merge(a.status(), 1, Integer::sum);
                        if (a.status() >= 500) {
                            failures.add(a.toString());
                        }
                    }));
                }
            }
            for (var f : all) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        System.out.println("[DeviceTokensIT] 2,400 concurrent registrations by 16 clients answered " + statuses);
        assertThat(failures).as("5xx answers").isEmpty();
        assertThat(statuses.keySet()).as("answers").isSubsetOf(200, 201);
        // Every token ends up registered once and confirmed (the site key registered each one).
        assertThat(stack.countInGateway("select count(*) from device_token where site_id = ? and confirmed = true", s.id())).isEqualTo(tokens.size());
        assertThat(stack.countInGateway("select count(*) from device_token where site_id = ?", s.id())).isEqualTo(tokens.size());
    }
}
