package net.moodlepushhub.gateway;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.StandInSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

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
    static final String DB_USER = System.getProperty("it.db.user", "root");
    static final String DB_PASSWORD = System.getProperty("it.db.password", "");
    static final String FEED_TOKEN = "crash-it-feed-token";
    static final int TOKENS = 1000;

    static StandInSite site;
    static MockApnsFixture apns;
    static PayaraMicroProcess hubProcess;
    static PayaraMicroProcess gatewayProcess;

    @BeforeAll
    static void start() throws Exception {
        MariaDbDatabases.recreate(DB_URL, DB_USER, DB_PASSWORD);
        MariaDbDatabases.recreate(HUB_DB_URL, DB_USER, DB_PASSWORD);
        Path work = Path.of(System.getProperty("it.work.dir", "target"), "gateway-crash-it");
        Files.createDirectories(work);
        site = new StandInSite(0);
        // 2 ms per answer per connection: ~1,000 notifications a second over the gateway's 2 connections.
        apns = MockApnsFixture.startDelayed(Duration.ofMillis(2));
        Path p8 = apns.writeFiles(work);
        Path jar = Path.of(System.getProperty("payara.microJar"));

        int hubPort = PayaraMicroProcess.freePort();
        Map<String, String> hubProps = new LinkedHashMap<>();
        hubProps.put("hub.db.url", HUB_DB_URL);
        hubProps.put("hub.db.user", DB_USER);
        hubProps.put("hub.db.password", DB_PASSWORD);
        hubProps.put("hub.public-url", "http://127.0.0.1:" + hubPort);
        hubProps.put("hub.verifier.allow-private-networks", "true");
        hubProps.put("hub.verifier.allowed-ports", "80,443," + URI.create(site.baseUrl()).getPort());
        hubProps.put("hub.feed.token", FEED_TOKEN);
        hubProcess = new PayaraMicroProcess(jar, Path.of(System.getProperty("hub.war")), hubPort, work.resolve("hub.log"), hubProps).start();

        Map<String, String> gw = new LinkedHashMap<>();
        gw.put("gateway.db.url", DB_URL);
        gw.put("gateway.db.user", DB_USER);
        gw.put("gateway.db.password", DB_PASSWORD);
        gw.put("gateway.hub-url", hubProcess.baseUrl());
        gw.put("gateway.hub-feed-token", FEED_TOKEN);
        gw.put("gateway.apns.server", apns.host() + ":" + apns.port());
        gw.put("gateway.apns.trust-cert-file", work.resolve("apns-server.pem").toString());
        gw.put("gateway.apns.key-file", p8.toString());
        gw.put("gateway.apns.team-id", apns.teamId());
        gw.put("gateway.apns.key-id", apns.keyId());
        gw.put("gateway.apns.topic", apns.topic());
        // What the killed instance had claimed comes back after its lease: short here so the test is quick.
        gw.put("gateway.delivery.lease", "PT10S");
        gatewayProcess = new PayaraMicroProcess(jar, Path.of(System.getProperty("gateway.war")), PayaraMicroProcess.freePort(),
                work.resolve("gateway.log"), gw).start();
    }

    @AfterAll
    static void stop() {
        if (gatewayProcess != null) {
            gatewayProcess.stop();
        }
        if (hubProcess != null) {
            hubProcess.stop();
        }
        if (apns != null) {
            apns.close();
        }
        if (site != null) {
            site.close();
        }
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
        long claimedAtKill = MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from delivery where status = 'CLAIMED'");
        long deliveredAtKill = MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from delivery where status = 'DELIVERED'");
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
        String url = site.baseUrl() + "/moodle-" + UUID.randomUUID();
        Answer created = hub.send("POST", "api/v1/sites", JSONObjectUtils.toJSONString(Map.of("url", url, "name", "Crash IT", "contactEmail",
                "admin@example.org", "users", 1000, "activeUsers", 500)), null);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Map<String, Object> challenge = (Map<String, Object>) created.json().get("challenge");
        site.serve(URI.create((String) challenge.get("url")).getPath(), (String) challenge.get("content"));
        Answer verified = hub.send("POST", "api/v1/sites/" + created.get("siteId") + "/verification", null, null);
        assertThat(verified.status()).as(verified.toString()).isEqualTo(200);
        return verified.get("siteKey");
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + gatewayProcess.tail(40));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
