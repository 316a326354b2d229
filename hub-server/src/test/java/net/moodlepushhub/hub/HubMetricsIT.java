package net.moodlepushhub.hub;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.PrometheusText;
import net.moodlepushhub.testsupport.SiteRegistrar;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub's application metrics on the real system: the hub in its own Payara Micro on MariaDB, a stand-in site
 * on loopback answering (or not) the verification callback. The test scrapes {@code /metrics} in the Prometheus
 * text format, does real work — failed and successful verifications, a registration, one request over each of the
 * hub's limits — scrapes again and checks that each series, with its labels, moved by exactly what was done (the
 * verification outcomes against what the hub recorded in its database).
 */
class HubMetricsIT {

    private static final String DB_URL = System.getProperty("it.db.url") + "_metrics";
    private static final String DB_USER = System.getProperty("it.db.user", "root");
    private static final String DB_PASSWORD = System.getProperty("it.db.password", "");

    static StandInSite site;
    static PayaraMicroProcess hubProcess;
    static HttpJson hub;

    @BeforeAll
    static void start() throws Exception {
        MariaDbDatabases.recreate(DB_URL, DB_USER, DB_PASSWORD);
        site = new StandInSite(0);
        int port = PayaraMicroProcess.freePort();
        Map<String, String> p = StackConfig.hub(DB_URL, DB_USER, DB_PASSWORD, port, site, "metrics-it-feed-token");
        p.put("hub.challenge.max-attempts-per-minute", "3");
        p.put("hub.abuse.reports-per-hour", "1");
        p.put("hub.admin.login.max-failures", "1");
        p.put("hub.moodle.page-requests-per-minute", "1");
        p.put("hub.moodle.sitecheck-requests-per-minute", "1");
        p.put("hub.metrics.refresh", "PT1S");
        p.put("hub.data-dir", java.nio.file.Files.createTempDirectory("hub-metrics-it").toString());
        hubProcess = new PayaraMicroProcess(Path.of(System.getProperty("payara.microJar")), Path.of(System.getProperty("hub.war")), port,
                Path.of(System.getProperty("it.work.dir", "target"), "hub-metrics-it.log"), p).start();
        hub = new HttpJson(hubProcess.baseUrl());
    }

    @AfterAll
    static void stop() {
        StackConfig.closeAll(hubProcess, site);
    }

    @Test
    void verificationsRegistrationsAndLimitsMoveTheirSeriesByWhatWasDone() throws Exception {
        PrometheusText before = PrometheusText.scrape(serverRoot());
        Map<String, Long> attemptsBefore = attemptsByOutcome();

        // A site verified at once, through the API.
        SiteRegistrar.registerAndVerify(hub, site, site.baseUrl() + "/a-" + UUID.randomUUID(), Map.of());
        // A site that does not serve its challenge: three failed attempts, then the per-minute limit.
        HttpJson.Answer pending = SiteRegistrar.register(hub, site, site.baseUrl() + "/b-" + UUID.randomUUID());
        assertThat(pending.status()).isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            HttpJson.Answer failed = hub.send("POST", "api/v1/sites/" + pending.get("siteId") + "/verification", null, null);
            assertThat(failed.status()).as(failed.toString()).isEqualTo(422);
        }
        HttpJson.Answer limited = hub.send("POST", "api/v1/sites/" + pending.get("siteId") + "/verification", null, null);
        assertThat(limited.status()).as(limited.toString()).isEqualTo(429);

        // One request over each per-address limit.
        String report = "{\"site\":\"https://nowhere.example\",\"category\":\"spam\",\"description\":\"metrics test\"}";
        assertThat(hub.send("POST", "api/v1/abuse-reports", report, null).status()).isEqualTo(202);
        assertThat(hub.send("POST", "api/v1/abuse-reports", report, null).status()).isEqualTo(429);
        String login = JSONObjectUtils.toJSONString(Map.of("username", "nobody-" + UUID.randomUUID(), "password", "wrong-password-123"));
        assertThat(hub.send("POST", "api/v1/admin/login", login, null).status()).isEqualTo(401);
        assertThat(hub.send("POST", "api/v1/admin/login", login, null).status()).isEqualTo(429);
        assertThat(get("local/sitecheck/check.php?siteid=x&url=https://nowhere.example")).isEqualTo(200);
        assertThat(get("local/sitecheck/check.php?siteid=x&url=https://nowhere.example")).isEqualTo(429);
        int page = get("local/hub/siteregistration.php");
        assertThat(page).isNotEqualTo(429);
        assertThat(get("local/hub/siteregistration.php")).isEqualTo(429);

        Map<String, Long> recorded = attemptsByOutcome();
        long active = count("select count(*) from site where status = 'ACTIVE'");
        long pendingSites = count("select count(*) from site where status = 'PENDING'");
        PrometheusText[] now = new PrometheusText[1];
        await("the site gauge refreshed", () -> {
            now[0] = PrometheusText.scrape(serverRoot());
            return now[0].value("hub_sites", "status", "active") == active && now[0].value("hub_sites", "status", "pending") == pendingSites;
        });
        PrometheusText after = now[0];
        StringBuilder app = new StringBuilder();
        for (String line : after.text().split("\n")) {
            if (line.contains("hub_")) {
                app.append(line).append('\n');
            }
        }
        System.out.println("[HubMetricsIT] application metrics after the work:\n" + app);

        // Every attempt the hub recorded is counted under its outcome: 1 valid, 3 failed (the 429 is no attempt).
        long attempts = 0;
        for (Map.Entry<String, Long> e : recorded.entrySet()) {
            long made = e.getValue() - attemptsBefore.getOrDefault(e.getKey(), 0L);
            attempts += made;
            assertThat(delta(before, after, "hub_verification_attempts_total", "outcome", e.getKey())).as("attempts " + e.getKey()).isEqualTo(made);
        }
        assertThat(attempts).isEqualTo(4);
        assertThat(delta(before, after, "hub_verification_attempts_total", "outcome", "valid")).isEqualTo(1);
        assertThat(after.type("hub_verification_attempts_total")).isEqualTo("counter");

        assertThat(delta(before, after, "hub_sites_registered_total", "via", "api")).isEqualTo(1);
        assertThat(delta(before, after, "hub_sites_registered_total", "via", "moodle")).isZero();
        assertThat(after.value("hub_sites", "status", "active")).isEqualTo(active).isPositive();
        assertThat(after.value("hub_sites", "status", "revoked")).isZero();
        assertThat(after.type("hub_sites")).isEqualTo("gauge");

        for (String limit : new String[] {"verification-attempts", "abuse-reports", "admin-login", "sitecheck", "moodle-registration-page"}) {
            assertThat(delta(before, after, "hub_rate_limited_total", "limit", limit)).as("429s for " + limit).isEqualTo(1);
        }
    }

    private static int get(String path) {
        return hub.exchange(HttpRequest.newBuilder(URI.create(hubProcess.baseUrl() + "/" + path)).GET().build()).status();
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }

    private static Map<String, Long> attemptsByOutcome() throws Exception {
        Map<String, Long> byOutcome = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(DB_URL, DB_USER, DB_PASSWORD);
             ResultSet rs = c.createStatement().executeQuery("select outcome, count(*) from verification_attempt group by outcome")) {
            while (rs.next()) {
                byOutcome.put(rs.getString(1), rs.getLong(2));
            }
        }
        return byOutcome;
    }

    private static long count(String sql) {
        return MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, sql);
    }

    static String serverRoot() {
        return hubProcess.baseUrl() + "/";
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
