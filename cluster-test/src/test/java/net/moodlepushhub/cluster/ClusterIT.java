package net.moodlepushhub.cluster;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.HubAdmin;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.SiteRegistrar;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The six fault tests of issue 8 against the system as an operator runs it on several machines: two hubs forming
 * one Payara Micro (Hazelcast) cluster, two gateways forming another (TCP/IP member lists on loopback, different
 * cluster names and ports, so their JCache caches never mix), the hubs sharing one MariaDB database and the
 * gateways another, each gateway listing both hubs in {@code gateway.hub-url}; Pushy's MockApnsServer as APNs,
 * the stand-in Moodle site for verification.
 *
 * <p>The cluster is started once for the class (four Payara Micro JVMs on a 2-core machine take a while) and the
 * tests run in an order in which each leaves what the next needs: 1 limits, 2 revocation, 5 database outage,
 * 4 hub 1 killed, 6 every hub down (hub 2 is started again at its end), 3 gateway 1 killed. MariaDB is a
 * {@code mariadbd} of the test's own ({@link PrivateMariaDb}) so that test 5 can stop it without touching the
 * machine's shared server.</p>
 *
 * <p>Every figure a test asserts on is printed on a line starting with {@code FIGURE}.</p>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

    static final String FEED_TOKEN = "cluster-it-feed-token";
    static final int DEVICES = Integer.getInteger("it.cluster.devices", 20_000);
    /** Large enough that each gateway leases several units at a time from the shared bucket (1 % of the limit). */
    static final int LIMIT_PER_MINUTE = 400;
    static final Duration MAX_LAG = Duration.ofSeconds(20);
    /** Longer than test 5's outage (10 s, and a few seconds to reconnect): a lease shorter than an outage runs out
     *  under the sends of the instance holding it, and another instance sends them again. */
    static final Duration LEASE = Duration.ofSeconds(30);

    static PrivateMariaDb mariadb;
    static String hubDb;
    static String gatewayDb;
    static StandInSite site;
    static MockApnsFixture apns;
    static PayaraMicroProcess hub1;
    static PayaraMicroProcess hub2;
    static PayaraMicroProcess gateway1;
    static PayaraMicroProcess gateway2;
    static String admin;

    /** Site of the broadcasts (tests 3, 5, 6): its key, id and device tokens. */
    static Map<String, Object> bulkSite;
    static List<String> bulkTokens = new ArrayList<>();
    /** Site A of tests 1 and 4; its key is rotated through hub 2 in test 4, the old one revoked. */
    static Map<String, Object> siteA;
    static String siteAOldKey;

    @BeforeAll
    static void start() throws Exception {
        long t0 = System.nanoTime();
        Path work = Path.of(System.getProperty("it.work.dir", "target"), "cluster-it");
        Files.createDirectories(work);
        mariadb = new PrivateMariaDb(work.resolve("mariadb"), Integer.getInteger("it.cluster.db.port", 19706)).install().start();
        mariadb.create("mph_cluster_hub");
        mariadb.create("mph_cluster_gateway");
        hubDb = mariadb.url("mph_cluster_hub");
        gatewayDb = mariadb.url("mph_cluster_gateway");

        site = new StandInSite(0);
        // 2 ms per answer per connection: about 1,000 notifications a second per gateway (2 connections each), so a
        // 20,000-device broadcast is still under way when a fault is injected.
        apns = MockApnsFixture.startDelayed(Duration.ofMillis(2));
        apns.writeFiles(work);
        Path jar = Path.of(System.getProperty("payara.microJar"));
        Path hubWar = Path.of(System.getProperty("hub.war"));
        Path gatewayWar = Path.of(System.getProperty("gateway.war"));
        int hz = Integer.getInteger("it.cluster.hz.base", 19720);
        List<String> heap = List.of("-Xmx384m");

        int hubPort1 = PayaraMicroProcess.freePort();
        int hubPort2 = PayaraMicroProcess.freePort();
        String hubMembers = hz + "," + (hz + 1);
        // One deployment, one issuer: both hubs publish the same public URL (a load balancer's, in production).
        hub1 = new PayaraMicroProcess(jar, hubWar, hubPort1, work.resolve("hub1.log"),
                StackConfig.hub(hubDb, "root", "", hubPort1, site, FEED_TOKEN), heap).loopbackCluster("mph-hubs", hz, hubMembers);
        hub2 = new PayaraMicroProcess(jar, hubWar, hubPort2, work.resolve("hub2.log"),
                StackConfig.hub(hubDb, "root", "", hubPort1, site, FEED_TOKEN), heap).loopbackCluster("mph-hubs", hz + 1, hubMembers);
        // Hub 1 first: it migrates the shared database.
        hub1.start();

        String gatewayMembers = (hz + 10) + "," + (hz + 11);
        Map<String, String> gw = StackConfig.gateway(gatewayDb, "root", "", hub1.baseUrl() + "," + hub2.baseUrl(), FEED_TOKEN, apns, work);
        // Short so that the tests are quick: what a killed gateway claimed returns after the lease; the feed lost
        // this long makes a gateway not ready.
        gw.put("gateway.delivery.lease", LEASE.toString());
        gw.put("gateway.feed.max-lag", MAX_LAG.toString());
        gateway1 = new PayaraMicroProcess(jar, gatewayWar, PayaraMicroProcess.freePort(), work.resolve("gateway1.log"), gw, heap)
                .loopbackCluster("mph-gateways", hz + 10, gatewayMembers);
        gateway2 = new PayaraMicroProcess(jar, gatewayWar, PayaraMicroProcess.freePort(), work.resolve("gateway2.log"), gw, heap)
                .loopbackCluster("mph-gateways", hz + 11, gatewayMembers);
        // Hub 2 and gateway 1 (which needs a hub) start together; gateway 2 after gateway 1, which migrates the
        // gateways' database.
        var secondHub = java.util.concurrent.CompletableFuture.runAsync(hub2::start);
        gateway1.start();
        gateway2.start();
        secondHub.join();
        figure("cluster started (mariadbd, 2 hubs, 2 gateways) in " + ms(t0) + " ms");
        assertThat(hub2.tail(5000)).as("hub 2 joined hub 1's cluster").contains("DG Name: mph-hubs DG Size: 2");
        assertThat(gateway2.tail(5000)).as("gateway 2 joined gateway 1's cluster").contains("DG Name: mph-gateways DG Size: 2");

        admin = HubAdmin.createAndLogin(Path.of(System.getProperty("project.root")), hubDb, "root", "", new HttpJson(hub1.baseUrl()));
    }

    @AfterAll
    static void stop() {
        StackConfig.closeAll(gateway1, gateway2, hub1, hub2, apns, site, mariadb);
    }

    /** 1. A per-minute notification limit for one site, requests spread over both gateways (each leasing from the shared bucket). */
    @Test
    @Order(1)
    void aPerMinuteLimitHoldsAcrossBothGateways() throws Exception {
        HttpJson viaHub1 = new HttpJson(hub1.baseUrl());
        siteA = register(viaHub1);
        siteAOldKey = (String) siteA.get("siteKey");
        // Before any gateway has seen the site, so both read the override on first use.
        Answer quota = viaHub1.send("PUT", "api/v1/admin/sites/" + siteA.get("siteId") + "/quota",
                "{\"notificationsPerMinute\":" + LIMIT_PER_MINUTE + "}", admin);
        assertThat(quota.status()).as(quota.toString()).isIn(200, 204);
        String token = apns.registerDeviceToken();
        Answer reg = new HttpJson(gateway1.baseUrl()).send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), siteAOldKey);
        assertThat(reg.status()).as(reg.toString()).isIn(200, 201);

        int requests = 3 * LIMIT_PER_MINUTE;
        List<HttpJson> gateways = List.of(new HttpJson(gateway1.baseUrl()), new HttpJson(gateway2.baseUrl()));
        Map<Integer, AtomicInteger> statuses = new TreeMap<>();
        AtomicInteger[] acceptedBy = {new AtomicInteger(), new AtomicInteger()};
        List<Answer> refusals = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            int which = i % 2;
            done.add(pool.submit(() -> {
                Answer a = gateways.get(which).send("POST", "api/v1/notifications", json(Map.of("tokens", List.of(token), "alert", "limit")), siteAOldKey);
                synchronized (statuses) {
                    statuses.computeIfAbsent(a.status(), s -> new AtomicInteger()).incrementAndGet();
                    if (a.status() == 429) {
                        refusals.add(a);
                    }
                }
                if (a.status() == 202) {
                    acceptedBy[which].incrementAndGet();
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        long elapsedMs = ms(start);
        pool.shutdown();
        int accepted = acceptedBy[0].get() + acceptedBy[1].get();
        // The bucket refills continuously (L per minute): what the test's own duration added is the tolerance.
        long refill = (long) Math.ceil(LIMIT_PER_MINUTE * elapsedMs / 60_000.0);
        figure("test 1: limit " + LIMIT_PER_MINUTE + "/min, " + requests + " requests alternating over 2 gateways in " + elapsedMs + " ms: "
                + accepted + " accepted (gateway 1 " + acceptedBy[0] + ", gateway 2 " + acceptedBy[1] + "), statuses " + statuses
                + "; over the limit by " + (accepted - LIMIT_PER_MINUTE) + ", tolerance (refill during the test) " + refill);
        assertThat(statuses.keySet()).as("only 202 and 429").containsOnly(202, 429);
        assertThat(accepted).as("at most the limit plus the refill during the test").isLessThanOrEqualTo(LIMIT_PER_MINUTE + (int) refill);
        assertThat(accepted).as("the limit is reached, not refused early").isGreaterThanOrEqualTo(LIMIT_PER_MINUTE);
        assertThat(acceptedBy[0].get()).as("both gateways accepted some").isPositive();
        assertThat(acceptedBy[1].get()).isPositive();
        Answer refused = refusals.get(0);
        assertThat(refused.body()).contains("rate-limited");
        assertThat(refused.header("Retry-After")).isNotBlank();
        assertThat(refused.header("RateLimit")).isNotBlank();
        assertThat(refused.header("RateLimit-Policy")).isNotBlank();
    }

    /** 2. A key rotated and a site suspended through hub 1: both gateways refuse within a second. */
    @Test
    @Order(2)
    void aRotatedKeyAndASuspendedSiteAreRefusedByBothGateways() throws Exception {
        HttpJson viaHub1 = new HttpJson(hub1.baseUrl());
        List<HttpJson> gateways = List.of(new HttpJson(gateway1.baseUrl()), new HttpJson(gateway2.baseUrl()));
        Map<String, Object> s = register(viaHub1);
        String oldKey = (String) s.get("siteKey");
        for (HttpJson g : gateways) {
            assertThat(g.send("GET", "api/v1/deliveries", null, oldKey).status()).isEqualTo(200);
        }
        Answer rotated = viaHub1.send("POST", "api/v1/sites/" + s.get("siteId") + "/keys", null, (String) s.get("managementToken"));
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        long[] rotation = refusalTimes(gateways, oldKey, "revoked");
        String newKey = rotated.get("siteKey");
        for (HttpJson g : gateways) {
            assertThat(g.send("GET", "api/v1/deliveries", null, newKey).status()).isEqualTo(200);
        }
        Answer suspended = viaHub1.send("POST", "api/v1/admin/sites/" + s.get("siteId") + "/suspend", "{\"reason\":\"cluster test\"}", admin);
        assertThat(suspended.status()).as(suspended.toString()).isIn(200, 204);
        long[] suspension = refusalTimes(gateways, newKey, "site-suspended");
        figure("test 2: old key refused after rotation through hub 1: gateway 1 " + rotation[0] + " ms, gateway 2 " + rotation[1]
                + " ms; site suspended through hub 1 refused: gateway 1 " + suspension[0] + " ms, gateway 2 " + suspension[1] + " ms");
        for (long t : new long[]{rotation[0], rotation[1], suspension[0], suspension[1]}) {
            assertThat(t).as("refused within one second of the hub's answer").isLessThanOrEqualTo(1000);
        }
    }

    /** 5. MariaDB stopped for 10 s in the middle of a broadcast and started again. */
    @Test
    @Order(3)
    void aDatabaseOutageInTheMiddleOfABroadcastLosesNothing() throws Exception {
        HttpJson viaHub1 = new HttpJson(hub1.baseUrl());
        bulkSite = register(viaHub1);
        insertDevices((String) bulkSite.get("siteId"), DEVICES);
        String key = (String) bulkSite.get("siteKey");
        List<PayaraMicroProcess> all = List.of(hub1, hub2, gateway1, gateway2);

        String marker = "outage-" + UUID.randomUUID();
        long start = System.nanoTime();
        Answer sent = new HttpJson(gateway1.baseUrl()).send("POST", "api/v1/broadcasts", json(Map.of("alert", marker)), key);
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        assertThat(((Number) sent.json().get("recipients")).intValue()).isEqualTo(DEVICES);
        await(Duration.ofSeconds(120), "the first deliveries", () -> delivered(marker).distinct >= DEVICES / 10);

        mariadb.stop();
        long down = System.nanoTime();
        int atStop = delivered(marker).distinct;
        Map<String, Integer> notReadyAfter = new ConcurrentHashMap<>();
        Map<String, List<Integer>> answers = new ConcurrentHashMap<>();
        List<String> missingRetryAfter = java.util.Collections.synchronizedList(new ArrayList<>());
        // Ten seconds down: readiness, and the answers of calls that need the database, on every service, polled in
        // the background.
        ExecutorService callers = Executors.newFixedThreadPool(12);
        java.util.concurrent.atomic.AtomicBoolean outage = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Future<?>> calls = new ArrayList<>();
        for (PayaraMicroProcess p : all) {
            calls.add(callers.submit(() -> {
                while (outage.get()) {
                    if (!notReadyAfter.containsKey(name(p)) && new HttpJson(p.baseUrl()).send("GET", "health/ready", null, null).status() == 503) {
                        notReadyAfter.put(name(p), (int) ms(down));
                    }
                    Thread.sleep(200);
                }
                return null;
            }));
        }
        // Each call in its own loop: one waits up to the pool's 5 s for a connection, and every service must be
        // asked while the database is down.
        for (Map.Entry<String, java.util.function.Supplier<Answer>> call : callsNeedingTheDatabase(key).entrySet()) {
            calls.add(callers.submit(() -> {
                while (outage.get()) {
                    Answer a = call.getValue().get();
                    answers.computeIfAbsent(call.getKey(), k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(a.status());
                    if (a.status() == 503 && (a.header("Retry-After") == null || a.header("Retry-After").isBlank())) {
                        missingRetryAfter.add(call.getKey() + ": " + a);
                    }
                    Thread.sleep(200);
                }
                return null;
            }));
        }
        // Ten seconds down, whatever the calls above are waiting for (a call waits up to the pool's 5 s).
        Thread.sleep(Math.max(0, 10_000 - ms(down)));
        outage.set(false);
        mariadb.start();
        long up = System.nanoTime();
        callers.shutdown();
        for (Future<?> f : calls) {
            f.get();
        }
        Map<String, Integer> readyAfter = new TreeMap<>();
        await(Duration.ofSeconds(120), "every service ready again", () -> {
            for (PayaraMicroProcess p : all) {
                if (!readyAfter.containsKey(name(p)) && new HttpJson(p.baseUrl()).send("GET", "health/ready", null, null).status() == 200) {
                    readyAfter.put(name(p), (int) ms(up));
                }
            }
            return readyAfter.size() == all.size();
        });
        await(Duration.ofSeconds(180), "the broadcast delivered to every device", () -> delivered(marker).distinct == DEVICES
                && recorded((String) sent.json().get("notificationId")) == DEVICES);
        Tally t = delivered(marker);
        figure("test 5: MariaDB stopped " + atStop + "/" + DEVICES + " into the broadcast, for 10 s; not ready after (ms) " + new TreeMap<>(notReadyAfter)
                + "; answers while down " + summary(new TreeMap<>(answers)) + "; ready again after start (ms) " + readyAfter
                + "; broadcast complete " + ms(start) + " ms after it was sent: lost " + (DEVICES - t.distinct) + ", repeated " + t.repeats);
        assertThat(notReadyAfter.keySet()).as("every service reported not ready while the database was down")
                .containsExactlyInAnyOrder("hub1", "hub2", "gateway1", "gateway2");
        answers.values().forEach(list -> assertThat(list).as("never 500 while the database is down").doesNotContain(500));
        assertThat(answers.values().stream().flatMap(List::stream)).as("some calls answered 503").contains(503);
        assertThat(missingRetryAfter).as("every 503 has Retry-After").isEmpty();
        assertThat(DEVICES - t.distinct).as("lost").isZero();
    }

    /** 4. Hub 1 killed: both gateways keep verifying keys, follow the feed from hub 2, and report ready. */
    @Test
    @Order(4)
    void bothGatewaysCarryOnWithHub2WhenHub1IsKilled() throws Exception {
        HttpJson viaHub2 = new HttpJson(hub2.baseUrl());
        List<HttpJson> gateways = List.of(new HttpJson(gateway1.baseUrl()), new HttpJson(gateway2.baseUrl()));
        Map<String, Object> unseen = register(new HttpJson(hub1.baseUrl()));
        hub1.kill();
        long killed = System.nanoTime();
        for (HttpJson g : gateways) {
            Answer a = g.send("GET", "api/v1/deliveries", null, (String) unseen.get("siteKey"));
            assertThat(a.status()).as("a key never seen before, verified with the cached JWKS: " + a).isEqualTo(200);
        }
        Answer rotated = viaHub2.send("POST", "api/v1/sites/" + siteA.get("siteId") + "/keys", null, (String) siteA.get("managementToken"));
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        long[] lag = refusalTimes(gateways, siteAOldKey, "revoked");
        siteA.put("siteKey", rotated.get("siteKey"));
        int[] readyAfter = new int[2];
        for (int i = 0; i < 2; i++) {
            HttpJson g = gateways.get(i);
            await(Duration.ofSeconds(60), "gateway " + (i + 1) + " ready on hub 2", () -> {
                Answer r = g.send("GET", "health/ready", null, null);
                return r.status() == 200 && r.body().contains("\"hub\":\"" + hub2.baseUrl() + "\"");
            });
            readyAfter[i] = (int) ms(killed);
        }
        figure("test 4: hub 1 killed; key rotated through hub 2 refused by gateway 1 after " + lag[0] + " ms, gateway 2 after " + lag[1]
                + " ms (feed lag); gateways ready on hub 2 " + readyAfter[0] + " / " + readyAfter[1] + " ms after the kill");
    }

    /** 6. Every hub down for 60 s. */
    @Test
    @Order(5)
    void gatewaysCarryOnWithoutAnyHubAndBecomeNotReadyOnlyAfterTheMaxLag() throws Exception {
        List<HttpJson> gateways = List.of(new HttpJson(gateway1.baseUrl()), new HttpJson(gateway2.baseUrl()));
        // Issued before the hubs go down, never shown to a gateway: signed by a kid the gateways know.
        Map<String, Object> fresh = register(new HttpJson(hub2.baseUrl()));
        for (HttpJson g : gateways) {
            assertThat(g.send("GET", "health/ready", null, null).status()).isEqualTo(200);
        }
        hub2.kill();
        long down = System.nanoTime();
        Map<Integer, Integer> notReadyAfter = new TreeMap<>();
        Map<Integer, Integer> lastReady = new HashMap<>();
        List<String> sends = new ArrayList<>();
        int round = 0;
        while (ms(down) < 60_000) {
            for (int i = 0; i < 2; i++) {
                int status = gateways.get(i).send("GET", "health/ready", null, null).status();
                if (status == 200) {
                    lastReady.put(i + 1, (int) ms(down));
                } else if (!notReadyAfter.containsKey(i + 1)) {
                    notReadyAfter.put(i + 1, (int) ms(down));
                }
            }
            // At the start, in the middle and near the end of the outage: deliver, refuse the revoked, accept the new.
            if ((round == 0 && ms(down) < 20_000) || (round == 1 && ms(down) > 30_000) || (round == 2 && ms(down) > 50_000)) {
                for (int i = 0; i < 2; i++) {
                    HttpJson g = gateways.get(i);
                    Answer revoked = g.send("GET", "api/v1/deliveries", null, siteAOldKey);
                    assertThat(revoked.status()).as("revoked before the outage: " + revoked).isEqualTo(401);
                    Answer accepted = g.send("GET", "api/v1/deliveries", null, (String) fresh.get("siteKey"));
                    assertThat(accepted.status()).as("a new key signed by a known kid: " + accepted).isEqualTo(200);
                    String marker = "no-hub-" + round + "-" + i + "-" + UUID.randomUUID();
                    Answer sent = g.send("POST", "api/v1/notifications",
                            json(Map.of("tokens", bulkTokens.subList(0, 50), "alert", marker)), (String) bulkSite.get("siteKey"));
                    assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
                    await(Duration.ofSeconds(30), "delivered without any hub", () -> delivered(marker).distinct == 50);
                    sends.add("gateway " + (i + 1) + " at " + ms(down) + " ms");
                }
                round++;
            }
            Thread.sleep(200);
        }
        hub2.start();
        long back = System.nanoTime();
        int[] readyAgain = new int[2];
        for (int i = 0; i < 2; i++) {
            HttpJson g = gateways.get(i);
            await(Duration.ofSeconds(60), "gateway ready again with hub 2 back", () -> g.send("GET", "health/ready", null, null).status() == 200);
            readyAgain[i] = (int) ms(back);
        }
        figure("test 6: every hub down 60 s, gateway.feed.max-lag " + MAX_LAG.toMillis() + " ms: not ready after (ms) " + notReadyAfter
                + ", last seen ready at (ms) " + lastReady + "; 50-device sends delivered " + sends + "; ready again "
                + readyAgain[0] + " / " + readyAgain[1] + " ms after hub 2 was started");
        assertThat(round).as("three rounds of sends").isEqualTo(3);
        assertThat(notReadyAfter).as("both became not ready").containsOnlyKeys(1, 2);
        notReadyAfter.values().forEach(t -> assertThat(t).as("not ready only after gateway.feed.max-lag").isGreaterThanOrEqualTo((int) MAX_LAG.toMillis()));
    }

    /** 3. Gateway 1 killed with kill -9 in the middle of a 20,000-device broadcast. */
    @Test
    @Order(6)
    void gateway2DeliversWhatGateway1HadClaimedWhenItIsKilled() throws Exception {
        String key = (String) bulkSite.get("siteKey");
        String marker = "kill-" + UUID.randomUUID();
        Answer sent = new HttpJson(gateway1.baseUrl()).send("POST", "api/v1/broadcasts", json(Map.of("alert", marker)), key);
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        String id = (String) sent.json().get("notificationId");
        await(Duration.ofSeconds(120), "the first deliveries", () -> delivered(marker).distinct >= DEVICES / 5);
        gateway1.kill();
        long killed = System.nanoTime();
        int atKill = delivered(marker).distinct;
        long claimedAtKill = MariaDbDatabases.count(gatewayDb, "root", "", "select coalesce(sum(recipients - answered_count), 0) from delivery_batch where notification_id = ? and status = 'CLAIMED'", id)
                + MariaDbDatabases.count(gatewayDb, "root", "", "select count(*) from delivery where notification_id = ? and status = 'CLAIMED'", id);
        await(Duration.ofSeconds(180), "the broadcast delivered to every device by gateway 2",
                () -> delivered(marker).distinct == DEVICES && recorded(id) == DEVICES);
        Tally t = delivered(marker);
        figure("test 3: gateway 1 killed " + atKill + "/" + DEVICES + " into the broadcast with " + claimedAtKill
                + " recipients claimed and unanswered; all delivered " + ms(killed) + " ms after the kill (lease " + LEASE.toMillis()
                + " ms): lost " + (DEVICES - t.distinct) + ", repeated " + t.repeats + " (bound: " + claimedAtKill + ")");
        assertThat(DEVICES - t.distinct).as("lost").isZero();
        assertThat((long) t.repeats).as("repeats at most what was claimed and unanswered at the kill").isLessThanOrEqualTo(claimedAtKill);
    }

    // ---------------------------------------------------------------------------------------------------------

    static Map<String, Object> register(HttpJson hub) {
        return SiteRegistrar.registerAndVerify(hub, site, site.baseUrl() + "/moodle-" + UUID.randomUUID(), Map.of("users", 100, "activeUsers", 50));
    }

    /** Confirmed APNs device tokens for a site, written straight to the gateways' database (registering 20,000 through the API would take minutes of the limit). */
    static void insertDevices(String siteId, int n) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        try (Connection c = DriverManager.getConnection(gatewayDb, "root", "")) {
            c.setAutoCommit(false);
            for (int from = 0; from < n; from += 1000) {
                int count = Math.min(1000, n - from);
                StringBuilder sql = new StringBuilder("insert into device_token (site_id, token, platform, device, confirmed, created_at, confirmed_at) values ");
                for (int i = 0; i < count; i++) {
                    sql.append(i == 0 ? "" : ",").append("(?, ?, 'APNS', 'ios', true, ?, ?)");
                }
                try (PreparedStatement st = c.prepareStatement(sql.toString())) {
                    int p = 1;
                    for (int i = 0; i < count; i++) {
                        String token = apns.registerDeviceToken();
                        bulkTokens.add(token);
                        st.setString(p++, siteId);
                        st.setString(p++, token);
                        st.setTimestamp(p++, now);
                        st.setTimestamp(p++, now);
                    }
                    st.executeUpdate();
                }
            }
            c.commit();
        }
    }

    /** What the mock APNs accepted for one notification (its alert is unique): distinct devices and repeats. */
    record Tally(int distinct, int repeats) {
    }

    static Tally delivered(String marker) {
        Map<String, Integer> perDevice = new HashMap<>();
        List<MockApnsFixture.Received> accepted = apns.accepted();
        synchronized (accepted) {
            for (MockApnsFixture.Received r : accepted) {
                if (r.payload() != null && r.payload().contains(marker)) {
                    perDevice.merge(r.deviceToken(), 1, Integer::sum);
                }
            }
        }
        int total = perDevice.values().stream().mapToInt(Integer::intValue).sum();
        return new Tally(perDevice.size(), total - perDevice.size());
    }

    /** @return recipients recorded delivered in the gateways' database (-1 while it cannot be read) */
    static long recorded(String notificationId) {
        try {
            return MariaDbDatabases.count(gatewayDb, "root", "", "select (select count(*) from delivery where notification_id = ? and status = 'DELIVERED')"
                    + " + (select coalesce(sum(delivered), 0) from delivery_batch where notification_id = ?)", notificationId, notificationId);
        } catch (AssertionError e) {
            return -1;
        }
    }

    /** Calls on every service that cannot be answered without the database. */
    static Map<String, java.util.function.Supplier<Answer>> callsNeedingTheDatabase(String siteKey) {
        Map<String, java.util.function.Supplier<Answer>> calls = new TreeMap<>();
        for (PayaraMicroProcess g : List.of(gateway1, gateway2)) {
            HttpJson http = new HttpJson(g.baseUrl());
            calls.put(name(g) + " POST notifications", () -> http.send("POST", "api/v1/notifications",
                    json(Map.of("tokens", bulkTokens.subList(0, 1), "alert", "while-down")), siteKey));
            calls.put(name(g) + " GET deliveries", () -> http.send("GET", "api/v1/deliveries?status=failed", null, siteKey));
        }
        for (PayaraMicroProcess h : List.of(hub1, hub2)) {
            HttpJson http = new HttpJson(h.baseUrl());
            calls.put(name(h) + " GET site", () -> http.send("GET", "api/v1/sites/" + bulkSite.get("siteId"), null, (String) bulkSite.get("managementToken")));
            calls.put(name(h) + " POST sites", () -> SiteRegistrar.register(http, site.baseUrl() + "/moodle-" + UUID.randomUUID(), Map.of()));
        }
        return calls;
    }

    static String summary(Map<String, List<Integer>> answers) {
        Map<String, Map<Integer, Long>> s = new TreeMap<>();
        answers.forEach((k, v) -> s.put(k, v.stream().collect(java.util.stream.Collectors.groupingBy(x -> x, TreeMap::new, java.util.stream.Collectors.counting()))));
        return s.toString();
    }

    /** Polls each gateway (concurrently) every 10 ms until it refuses the key (401 or 403 naming the reason); @return ms until each did. */
    static long[] refusalTimes(List<HttpJson> gateways, String key, String reason) throws Exception {
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(gateways.size());
        try {
            List<Future<Long>> times = new ArrayList<>();
            for (HttpJson g : gateways) {
                times.add(pool.submit(() -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (System.nanoTime() < deadline) {
                        Answer a = g.send("GET", "api/v1/deliveries", null, key);
                        // A revoked key is 401 invalid-key (reason revoked); a suspended site's key 403 site-suspended.
                        if (a.status() == 401 || a.status() == 403) {
                            assertThat(a.body()).contains(reason);
                            return ms(start);
                        }
                        Thread.sleep(10);
                    }
                    throw new AssertionError(g.base() + " did not refuse the key within 30 s");
                }));
            }
            long[] result = new long[times.size()];
            for (int i = 0; i < result.length; i++) {
                result[i] = times.get(i).get();
            }
            return result;
        } finally {
            pool.shutdownNow();
        }
    }

    static String name(PayaraMicroProcess p) {
        return p == hub1 ? "hub1" : p == hub2 ? "hub2" : p == gateway1 ? "gateway1" : "gateway2";
    }

    static String json(Map<String, ?> body) {
        return JSONObjectUtils.toJSONString(new HashMap<>(body));
    }

    static long ms(long sinceNanos) {
        return Duration.ofNanos(System.nanoTime() - sinceNanos).toMillis();
    }

    static void figure(String line) {
        System.out.println("FIGURE [ClusterIT] " + line);
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
