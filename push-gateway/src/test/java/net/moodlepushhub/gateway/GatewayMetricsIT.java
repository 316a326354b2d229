package net.moodlepushhub.gateway;

import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.PrometheusText;
import net.moodlepushhub.testsupport.SiteRegistrar;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's application metrics on the real system: a hub and a gateway each in their own Payara Micro on
 * MariaDB, Pushy's MockApnsServer as APNs (FCM in sandbox mode). The test scrapes {@code /metrics} in the
 * Prometheus text format, does real work — registers devices, sends a notification that APNs accepts for two
 * devices, rejects as a bad token for one and answers {@code 500} for one, presents a malformed key, goes over a
 * site's broadcast limit — scrapes again and checks that each series, with its labels, moved by exactly what was
 * done.
 */
class GatewayMetricsIT {

    static final String DB_URL = System.getProperty("it.db.url") + "_metrics";
    static final String HUB_DB_URL = System.getProperty("it.hub.db.url") + "_metrics";
    static final String DB_USER = System.getProperty("it.db.user", "root");
    static final String DB_PASSWORD = System.getProperty("it.db.password", "");
    static final String FEED_TOKEN = "metrics-it-feed-token";

    /** Tokens the mock APNs rejects as BadDeviceToken, and tokens it answers 500 InternalServerError for. */
    static final Set<String> BAD = ConcurrentHashMap.newKeySet();
    static final Set<String> FAILING = ConcurrentHashMap.newKeySet();

    static Path work;
    static StandInSite site;
    static MockApnsFixture apns;
    static PayaraMicroProcess hubProcess;
    static PayaraMicroProcess gatewayProcess;
    static HttpJson hub;
    static HttpJson gateway;

    @BeforeAll
    static void start() throws Exception {
        MariaDbDatabases.recreate(DB_URL, DB_USER, DB_PASSWORD);
        MariaDbDatabases.recreate(HUB_DB_URL, DB_USER, DB_PASSWORD);
        work = Path.of(System.getProperty("it.work.dir", "target"), "gateway-metrics-it");
        Files.createDirectories(work);
        site = new StandInSite(0);
        // A push service that accepts every token but the ones the test marks, as APNs answers them.
        PushNotificationHandlerFactory handler = session -> (headers, payload) -> {
            String path = headers.path().toString();
            String token = path.substring(path.lastIndexOf('/') + 1);
            if (BAD.contains(token)) {
                throw new RejectedNotificationException(RejectionReason.BAD_DEVICE_TOKEN);
            }
            if (FAILING.contains(token)) {
                throw new RejectedNotificationException(RejectionReason.INTERNAL_SERVER_ERROR);
            }
        };
        apns = MockApnsFixture.start(MockApnsFixture.DEFAULT_TOPIC, handler);
        apns.writeFiles(work);
        Path jar = Path.of(System.getProperty("payara.microJar"));
        int hubPort = PayaraMicroProcess.freePort();
        hubProcess = new PayaraMicroProcess(jar, Path.of(System.getProperty("hub.war")), hubPort, work.resolve("hub.log"),
                StackConfig.hub(HUB_DB_URL, DB_USER, DB_PASSWORD, hubPort, site, FEED_TOKEN)).start();
        hub = new HttpJson(hubProcess.baseUrl());
        Map<String, String> props = StackConfig.gateway(DB_URL, DB_USER, DB_PASSWORD, hubProcess.baseUrl(), FEED_TOKEN, apns, work);
        props.put("gateway.quota.broadcasts-per-day", "1");
        // A retried delivery waits (full jitter) up to a day: it stays in the queue while the test looks at it.
        props.put("gateway.delivery.retry-base", "PT24H");
        props.put("gateway.delivery.retry-cap", "PT24H");
        props.put("gateway.metrics.queue-refresh", "PT1S");
        gatewayProcess = new PayaraMicroProcess(jar, Path.of(System.getProperty("gateway.war")), PayaraMicroProcess.freePort(),
                work.resolve("gateway.log"), props).start();
        gateway = new HttpJson(gatewayProcess.baseUrl());
    }

    @AfterAll
    static void stop() {
        StackConfig.closeAll(gatewayProcess, hubProcess, apns, site);
    }

    @Test
    void deliveriesKeysRegistrationsAndLimitsMoveTheirSeriesByWhatWasDone() throws Exception {
        Map<String, Object> a = SiteRegistrar.registerAndVerify(hub, site, site.baseUrl() + "/moodle-a-" + UUID.randomUUID(), Map.of());
        Map<String, Object> b = SiteRegistrar.registerAndVerify(hub, site, site.baseUrl() + "/moodle-b-" + UUID.randomUUID(), Map.of());
        String keyA = (String) a.get("siteKey");
        String keyB = (String) b.get("siteKey");
        String good1 = apns.registerDeviceToken();
        String good2 = apns.registerDeviceToken();
        String bad = MockApnsFixture.randomToken();
        String failing = MockApnsFixture.randomToken();
        BAD.add(bad);
        FAILING.add(failing);
        String fcm = "fcm-token-" + UUID.randomUUID();

        PrometheusText before = PrometheusText.scrape(serverRoot());
        int goodKeyRequests = 0;

        for (String token : List.of(good1, good2, bad, failing)) {
            assertThat(registerToken(keyA, token, "ios").status()).isEqualTo(201);
            goodKeyRequests++;
        }
        assertThat(registerToken(keyA, fcm, "android").status()).isEqualTo(201);
        goodKeyRequests++;
        Answer sent = gateway.send("POST", "api/v1/notifications", JSONObjectUtils.toJSONString(Map.of(
                "tokens", List.of(good1, good2, bad, failing, fcm), "alert", "metrics")), keyA);
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        goodKeyRequests++;

        Answer malformed = gateway.send("GET", "api/v1/deliveries", null, "not-a-key");
        assertThat(malformed.status()).isEqualTo(401);
        assertThat(malformed.get("reason")).isEqualTo("malformed");

        Answer firstBroadcast = gateway.send("POST", "api/v1/broadcasts", "{\"alert\":\"one\"}", keyB);
        assertThat(firstBroadcast.status()).as(firstBroadcast.toString()).isEqualTo(202);
        Answer secondBroadcast = gateway.send("POST", "api/v1/broadcasts", "{\"alert\":\"two\"}", keyB);
        assertThat(secondBroadcast.status()).as(secondBroadcast.toString()).isEqualTo(429);
        goodKeyRequests += 2;

        // Wait until the recorder wrote all five answers, the latencies were measured and the gauges refreshed.
        PrometheusText[] now = new PrometheusText[1];
        await("the five answers recorded and measured", () -> {
            now[0] = PrometheusText.scrape(serverRoot());
            PrometheusText m = now[0];
            double recorded = 0;
            for (PrometheusText.Sample s : m.series("gateway_deliveries_total")) {
                recorded += s.value();
            }
            for (PrometheusText.Sample s : before.series("gateway_deliveries_total")) {
                recorded -= s.value();
            }
            return recorded >= 5
                    && delta(before, m, "gateway_delivery_latency_seconds_count", "platform", "apns") >= 2
                    && delta(before, m, "gateway_delivery_latency_seconds_count", "platform", "fcm") >= 1
                    && m.value("gateway_queue_depth", "platform", "apns") == 1;
        });
        PrometheusText after = now[0];
        System.out.println("[GatewayMetricsIT] application metrics after the work:\n" + application(after));

        assertThat(delta(before, after, "gateway_deliveries_total", "platform", "apns", "outcome", "delivered")).isEqualTo(2);
        assertThat(delta(before, after, "gateway_deliveries_total", "platform", "apns", "outcome", "invalid-token")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_deliveries_total", "platform", "apns", "outcome", "retry")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_deliveries_total", "platform", "apns", "outcome", "failed")).isZero();
        assertThat(delta(before, after, "gateway_deliveries_total", "platform", "fcm", "outcome", "delivered")).isEqualTo(1);
        assertThat(after.type("gateway_deliveries_total")).isEqualTo("counter");

        assertThat(delta(before, after, "gateway_push_errors_total", "platform", "apns", "reason", "BadDeviceToken")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_push_errors_total", "platform", "apns", "reason", "InternalServerError")).isEqualTo(1);
        assertThat(after.series("gateway_push_errors_total", "platform", "fcm")).isEmpty();

        assertThat(delta(before, after, "gateway_delivery_latency_seconds_count", "platform", "apns")).isEqualTo(2);
        assertThat(delta(before, after, "gateway_delivery_latency_seconds_count", "platform", "fcm")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_delivery_latency_seconds_sum", "platform", "apns")).isPositive();
        // Histogram buckets (configured in microprofile-config.properties): cumulative, so the last one holds all.
        Map<Double, Double> bucketsBefore = buckets(before, "apns");
        Map<Double, Double> buckets = buckets(after, "apns");
        assertThat(buckets.keySet()).as(buckets.toString()).contains(0.05, 0.1, 1.0, 60.0, 1800.0);
        double top = buckets.keySet().stream().max(Double::compare).orElseThrow();
        assertThat(buckets.get(top) - bucketsBefore.getOrDefault(top, 0.0)).as("the top bucket " + top).isEqualTo(2);

        // The retried delivery waits in the queue; nothing is due and unsent.
        assertThat(after.value("gateway_queue_depth", "platform", "apns")).isEqualTo(1);
        assertThat(after.value("gateway_queue_depth", "platform", "fcm")).isZero();
        assertThat(after.series("gateway_queue_oldest_due_seconds", "platform", "apns")).hasSize(1);
        assertThat(after.value("gateway_queue_oldest_due_seconds", "platform", "apns")).isZero();
        assertThat(after.type("gateway_queue_depth")).isEqualTo("gauge");

        assertThat(delta(before, after, "gateway_key_verifications_total", "outcome", "accepted")).isEqualTo(goodKeyRequests);
        assertThat(delta(before, after, "gateway_key_verifications_total", "outcome", "malformed")).isEqualTo(1);
        assertThat(delta(before, after, "gateway_keys_refused_total", "reason", "malformed")).isEqualTo(1);

        assertThat(delta(before, after, "gateway_device_tokens_registered_total", "platform", "apns")).isEqualTo(4);
        assertThat(delta(before, after, "gateway_device_tokens_registered_total", "platform", "fcm")).isEqualTo(1);

        assertThat(delta(before, after, "gateway_rate_limited_total", "limit", "broadcasts-day")).isEqualTo(1);
        assertThat(after.series("gateway_rate_limited_total", "limit", "notifications-minute")).allSatisfy(s -> assertThat(s.value()).isZero());

        // Following the feed: the hub answered within the last long poll.
        assertThat(after.series("gateway_revocation_feed_lag_seconds")).hasSize(1);
        assertThat(after.value("gateway_revocation_feed_lag_seconds")).isBetween(0.0, 30.0);
    }

    private static Answer registerToken(String key, String token, String device) {
        return gateway.send("POST", "api/v1/tokens", JSONObjectUtils.toJSONString(Map.of("token", token, "device", device)), key);
    }

    /** The latency histogram's cumulative buckets of a platform, by upper bound ({@code +Inf} as infinity). */
    private static Map<Double, Double> buckets(PrometheusText m, String platform) {
        Map<Double, Double> byBound = new java.util.TreeMap<>();
        for (PrometheusText.Sample s : m.series("gateway_delivery_latency_seconds_bucket", "platform", platform)) {
            String le = s.labels().get("le");
            byBound.put("+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le), s.value());
        }
        return byBound;
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }

    /** The application's series only (Payara's own base and vendor metrics left out of the log). */
    private static String application(PrometheusText m) {
        StringBuilder b = new StringBuilder();
        for (String line : m.text().split("\n")) {
            if (line.contains("gateway_")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    static String serverRoot() {
        return gatewayProcess.baseUrl() + "/";
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 60 s waiting for " + what);
            }
            Thread.sleep(250);
        }
    }
}
