package net.moodlepushhub.gateway;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.SiteRegistrar;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import net.moodlepushhub.testsupport.TestStack;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Durability across a crash: hub and gateway each in their own Payara Micro JVM on MariaDB, a mock APNs that
 * holds each answer a little so that many notifications are in flight, 2,000 notifications accepted, the
 * gateway killed like {@code kill -9} in the middle of delivering them, started again on the same database.
 * Nothing accepted may be lost; what may happen is a repeat of the sends that APNs had answered but whose
 * answer was not recorded yet (exactly once across a crash needs dedupe on the provider's side, which APNs
 * does not offer), so duplicates are counted, bounded and printed.
 */
class GatewayCrashIT {

    static final String DB_URL = System.getProperty("it.crash.db.url");
    static final String HUB_DB_URL = System.getProperty("it.crash.hub.db.url");
    static final int TOKENS = 1000;

    static TestStack stack;
    static StandInSite site;
    static MockApnsFixture apns;
    static PayaraMicroProcess hubProcess;
    static PayaraMicroProcess gatewayProcess;

    @BeforeAll
    static void start() {
        stack = TestStack.builder("gateway-crash-it")
                .hubDb(HUB_DB_URL)
                .gatewayDb(DB_URL)
                // 2 ms per answer per connection: ~1,000 notifications a second over the gateway's 2 connections.
                .apnsAnswerDelay(Duration.ofMillis(2))
                // What the killed instance had claimed comes back after its lease: short here so the test is quick.
                .gatewayProperty("gateway.delivery.lease", "PT10S")
                .start();
        site = stack.site();
        apns = stack.apns();
        hubProcess = stack.hubProcess();
        gatewayProcess = stack.gatewayProcess();
    }

    @AfterAll
    static void stop() {
        StackConfig.closeAll(stack);
    }

    @Test
    void nothingAcceptedIsLostWhenTheGatewayIsKilledMidDelivery() throws Exception {
        HttpJson hub = new HttpJson(hubProcess.baseUrl());
        HttpJson gateway = new HttpJson(gatewayProcess.baseUrl());
        String siteKey = register(hub);

        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < TOKENS; i++) {
            String t = apns.registerDeviceToken();
            Answer a = gateway.send("POST", "api/v1/tokens", JSONObjectUtils.toJSONString(Map.of("token", t, "device", "ios")), siteKey);
            assertThat(a.status()).as(a.toString()).isEqualTo(201);
            tokens.add(t);
        }
        List<String> notifications = new ArrayList<>();
        for (int batch = 0; batch < 2; batch++) {
            Answer sent = gateway.send("POST", "api/v1/notifications",
                    JSONObjectUtils.toJSONString(Map.of("tokens", tokens, "alert", "batch " + batch)), siteKey);
            assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
            assertThat(sent.json().get("queued")).isEqualTo((long) TOKENS);
            notifications.add(sent.get("notificationId"));
        }
        int total = 2 * TOKENS;

        // Kill while deliveries are under way: some answered, many in flight, the rest queued.
        await(Duration.ofSeconds(60), "the first deliveries", () -> apns.accepted().size() >= 300);
        gatewayProcess.kill();
        int atKill = apns.accepted().size();
        // Claimed and not answered yet: the recipients of claimed batches still queued, and single claimed rows.
        long claimedAtKill = stack.countInGateway("select coalesce(sum(recipients - answered_count), 0) from delivery_batch where status = 'CLAIMED'")
                + stack.countInGateway("select count(*) from delivery where status = 'CLAIMED'");
        long deliveredAtKill = stack.countInGateway("select (select count(*) from delivery where status = 'DELIVERED')"
                + " + (select coalesce(sum(delivered), 0) from delivery_batch)");
        System.out.println("[GatewayCrashIT] killed: " + atKill + " accepted by APNs, " + deliveredAtKill + " recorded delivered, "
                + claimedAtKill + " claimed (in flight or about to be)");
        assertThat(atKill).as("killed mid-delivery").isLessThan(total);

        long restartStart = System.nanoTime();
        gatewayProcess.start();
        for (String id : notifications) {
            await(Duration.ofSeconds(120), "notification " + id + " delivered to all", () -> {
                Answer s = gateway.send("GET", "api/v1/notifications/" + id, null, siteKey);
                Map<String, Object> counts = (Map<String, Object>) s.json().get("counts");
                return counts != null && ((Number) counts.getOrDefault("delivered", 0L)).longValue() == TOKENS;
            });
        }
        System.out.println("[GatewayCrashIT] all delivered " + Duration.ofNanos(System.nanoTime() - restartStart).toMillis()
                + " ms after the restart began");

        List<MockApnsFixture.Received> accepted = apns.accepted();
        Set<String> distinct = new HashSet<>();
        for (MockApnsFixture.Received r : accepted) {
            distinct.add(r.headers().get("apns-id"));
        }
        Set<String> expected = new HashSet<>();
        for (String id : notifications) {
            for (int recipient = 0; recipient < TOKENS; recipient++) {
                expected.add(net.moodlepushhub.gateway.apns.ApnsProvider.apnsIdFor(id + ":" + recipient).toString());
            }
        }
        Set<String> lost = new HashSet<>(expected);
        lost.removeAll(distinct);
        int duplicates = accepted.size() - distinct.size();
        System.out.println("[GatewayCrashIT] notifications " + total + ", accepted by APNs " + accepted.size() + ", distinct "
                + distinct.size() + ", lost " + lost.size() + ", duplicates " + duplicates + " (bound: " + claimedAtKill + " claimed at the kill)");
        assertThat(lost).as("lost notifications").isEmpty();
        assertThat(distinct).containsAll(expected);
        assertThat((long) duplicates).as("duplicates are at most what was in flight at the kill").isLessThanOrEqualTo(claimedAtKill);
    }

    static String register(HttpJson hub) {
        return (String) SiteRegistrar.registerAndVerify(hub, site, site.baseUrl() + "/moodle-" + UUID.randomUUID(),
                Map.of("users", 1000, "activeUsers", 500)).get("siteKey");
    }

    static void await(Duration timeout, String what, Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(100)).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + gatewayProcess.tail(40), e);
        }
    }
}
