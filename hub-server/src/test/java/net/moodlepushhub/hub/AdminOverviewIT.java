package net.moodlepushhub.hub;

import net.moodlepushhub.hub.admin.CreateAdmin;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.SiteRegistrar;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operators' overview end to end, in a real Payara Micro on the real MariaDB: the gateway's delivery report
 * ({@code POST /api/v1/internal/delivery-stats}, sent here exactly as the gateway's DeliveryStatsReporter sends
 * it) refused without the gateway's credential and with bad input, stored idempotently, summed by the admin API,
 * and drawn by the console's charts in a real headless Chromium under the console's CSP.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class AdminOverviewIT extends HubIntegrationTest {

    static final String FEED = "it-feed-token";
    static final String PASSWORD = "it-password-" + UUID.randomUUID();
    static final String ADMIN = "overview-" + UUID.randomUUID().toString().substring(0, 8);
    static boolean adminCreated;

    @BeforeEach
    void setUp() throws Exception {
        // Arquillian reports the machine's interface address; the tests talk to the hub over loopback only.
        base = new URL("http", "127.0.0.1", base.getPort(), base.getPath());
        hub = new HttpJson(base.toString());
        if (!adminCreated) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Map<String, String> env = Map.of("HUB_DB_URL", DB_URL, "HUB_DB_USER", DB_USER, "HUB_DB_PASSWORD", DB_PASSWORD);
            int exit = CreateAdmin.run(new String[]{"create-auditor", ADMIN}, new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)),
                    new PrintStream(out), new PrintStream(out), env::get);
            assertThat(exit).as(out.toString()).isZero();
            adminCreated = true;
        }
    }

    // ---------------------------------------------------------------- the gateway's report

    @Test
    void theReportNeedsTheGatewaysCredentialAndRefusesBadInput() {
        String hour = Instant.now().truncatedTo(ChronoUnit.HOURS).toString();
        String good = "{\"hours\":[{\"siteId\":\"s\",\"hour\":\"" + hour + "\",\"delivered\":1,\"failed\":0,\"invalidToken\":0}]}";
        RegistrationIT.assertProblem(report(good, null), 401, "invalid-feed-token");
        RegistrationIT.assertProblem(report(good, "not-the-feed-token"), 401, "invalid-feed-token");
        // An admin session is not the gateway's credential either.
        RegistrationIT.assertProblem(report(good, login()), 401, "invalid-feed-token");

        for (String bad : List.of(
                "{\"hours\":{}}",
                "{\"hours\":[1]}",
                "{\"hours\":[{\"hour\":\"" + hour + "\",\"delivered\":1,\"failed\":0,\"invalidToken\":0}]}",
                "{\"hours\":[{\"siteId\":\"s\",\"hour\":\"" + Instant.now().truncatedTo(ChronoUnit.HOURS).plusSeconds(60) + "\",\"delivered\":1,\"failed\":0,\"invalidToken\":0}]}",
                "{\"hours\":[{\"siteId\":\"s\",\"hour\":\"yesterday\",\"delivered\":1,\"failed\":0,\"invalidToken\":0}]}",
                "{\"hours\":[{\"siteId\":\"s\",\"hour\":\"" + Instant.now().truncatedTo(ChronoUnit.HOURS).plus(Duration.ofDays(2)) + "\",\"delivered\":1,\"failed\":0,\"invalidToken\":0}]}",
                "{\"hours\":[{\"siteId\":\"s\",\"hour\":\"" + hour + "\",\"delivered\":-1,\"failed\":0,\"invalidToken\":0}]}",
                "{\"hours\":[{\"siteId\":\"s\",\"hour\":\"" + hour + "\",\"delivered\":1.5,\"failed\":0,\"invalidToken\":0}]}",
                "{\"hours\":[{\"siteId\":\"s\",\"hour\":\"" + hour + "\",\"delivered\":\"1\",\"failed\":0,\"invalidToken\":0}]}",
                "{\"devices\":[{\"siteId\":\"s\",\"platform\":\"<script>\",\"devices\":1}]}",
                "{\"devices\":[{\"siteId\":\"" + "x".repeat(37) + "\",\"platform\":\"ios\",\"devices\":1}]}",
                "{\"queue\":[]}",
                "{\"queue\":{\"queued\":1,\"claimed\":0,\"oldestDue\":\"soon\"}}",
                "{\"devices\":[" + String.join(",", java.util.Collections.nCopies(1001, "{\"siteId\":\"s\",\"platform\":\"i\",\"devices\":1}")) + "]}")) {
            Answer a = report(bad, FEED);
            RegistrationIT.assertProblem(a, 422, "validation-failed");
        }
        RegistrationIT.assertProblem(report("[]", FEED), 400, "malformed-json");
        RegistrationIT.assertProblem(report("{\"hours\":[", FEED), 400, "malformed-json");
        assertThat(report("{\"hours\":[]}", FEED).status()).isEqualTo(204);
    }

    @Test
    void reportsAreAbsoluteSoRepeatingOneChangesNothingAndAZeroRemovesDevices() {
        String admin = login();
        Map<String, Object> s = registerAndVerify("repeat");
        String id = (String) s.get("siteId");
        String hour = Instant.now().truncatedTo(ChronoUnit.HOURS).toString();
        String body = "{\"hours\":[{\"siteId\":\"" + id + "\",\"hour\":\"" + hour + "\",\"delivered\":40,\"failed\":6,\"invalidToken\":4}],"
                + "\"devices\":[{\"siteId\":\"" + id + "\",\"platform\":\"ios\",\"devices\":3},{\"siteId\":\"" + id + "\",\"platform\":\"android-fcm\",\"devices\":2}]}";
        assertThat(report(body, FEED).status()).isEqualTo(204);
        assertThat(report(body, FEED).status()).isEqualTo(204);
        Map<String, Object> activity = hub.send("GET", "api/v1/admin/sites/" + id + "/activity?hours=3", null, admin).json();
        assertThat(activity).containsEntry("devicesTotal", 5L).containsEntry("hours", 3L);
        assertThat((List<?>) activity.get("deliveries")).hasSize(3);
        assertThat((Map<String, Object>) activity.get("totals")).containsEntry("delivered", 40L).containsEntry("failed", 6L)
                .containsEntry("invalidToken", 4L).containsEntry("total", 50L).containsEntry("failureShare", 0.2);

        assertThat(report("{\"hours\":[{\"siteId\":\"" + id + "\",\"hour\":\"" + hour + "\",\"delivered\":41,\"failed\":6,\"invalidToken\":4}],"
                + "\"devices\":[{\"siteId\":\"" + id + "\",\"platform\":\"ios\",\"devices\":0}]}", FEED).status()).isEqualTo(204);
        activity = hub.send("GET", "api/v1/admin/sites/" + id + "/activity", null, admin).json();
        assertThat(activity).containsEntry("devicesTotal", 2L).containsEntry("hours", 48L);
        assertThat((List<Map<String, Object>>) activity.get("devices")).containsExactly(Map.of("platform", "android-fcm", "devices", 2L));
        assertThat((Map<String, Object>) activity.get("totals")).containsEntry("total", 51L);

        RegistrationIT.assertProblem(hub.send("GET", "api/v1/admin/sites/" + UUID.randomUUID() + "/activity", null, admin), 404, "site-not-found");
        RegistrationIT.assertProblem(hub.send("GET", "api/v1/admin/sites/" + id + "/activity?hours=0", null, admin), 422, "validation-failed");
        RegistrationIT.assertProblem(hub.send("GET", "api/v1/admin/overview?hours=169", null, admin), 422, "validation-failed");
        RegistrationIT.assertProblem(hub.send("GET", "api/v1/admin/overview", null, null), 401, "admin-login-required");
        RegistrationIT.assertProblem(hub.send("GET", "api/v1/admin/sites/" + id + "/activity", null, FEED), 401, "invalid-admin-session");
    }

    // ---------------------------------------------------------------- the console

    @Test
    void theOverviewAndASitesPageDrawTheirChartsFromTheReportedFigures() throws Exception {
        assertThat(Path.of("/usr/bin/chromium")).as("chromium is missing: apt-get install -y chromium chromium-driver").exists();
        assertThat(Path.of("/usr/bin/chromedriver")).as("chromedriver is missing: apt-get install -y chromium chromium-driver").exists();
        String admin = login();
        Map<String, Object> before = hub.send("GET", "api/v1/admin/overview", null, admin).json();
        List<Map<String, Object>> topBefore = (List<Map<String, Object>>) before.get("topSites");
        long busiest = topBefore.isEmpty() ? 0 : (Long) ((Map<String, Object>) topBefore.get(0).get("totals")).get("total");

        String big = (String) registerAndVerify("busy").get("siteId");
        String small = (String) registerAndVerify("reported").get("siteId");
        String limited = (String) registerAndVerify("limited").get("siteId");
        Instant h = Instant.now().truncatedTo(ChronoUnit.HOURS);
        long bigNow = busiest + 1000;
        // Exactly what the gateway sends: absolute counts per site and hour, devices per platform, the queue.
        String body = "{\"hours\":["
                + hourEntry(big, h.minus(Duration.ofHours(2)), 300, 10, 5) + ","
                + hourEntry(big, h.minus(Duration.ofHours(1)), 500, 20, 0) + ","
                + hourEntry(big, h, bigNow, 0, 10) + ","
                + hourEntry(small, h.minus(Duration.ofHours(1)), 120, 30, 0) + "],"
                + "\"devices\":[{\"siteId\":\"" + big + "\",\"platform\":\"ios\",\"devices\":3},{\"siteId\":\"" + big + "\",\"platform\":\"android-fcm\",\"devices\":5},"
                + "{\"siteId\":\"" + small + "\",\"platform\":\"ios-fcm\",\"devices\":2}],"
                + "\"queue\":{\"queued\":42,\"claimed\":7,\"oldestDue\":\"" + Instant.now().minusSeconds(90) + "\"}}";
        assertThat(report(body, FEED).status()).isEqualTo(204);
        // The gateway's usage report: one site near its daily notifications, another out of broadcasts.
        Answer usage = post("api/v1/internal/usage", "{\"usage\":[{\"siteId\":\"" + small + "\",\"limit\":\"notifications-day\",\"capacity\":1000,\"remaining\":50,\"windowSeconds\":86400},"
                + "{\"siteId\":\"" + limited + "\",\"limit\":\"broadcasts-day\",\"capacity\":4,\"remaining\":0,\"windowSeconds\":86400}]}", FEED, "127.0.0.1");
        assertThat(usage.status()).as(usage.toString()).isEqualTo(204);
        String from = "10.60." + ThreadLocalRandom.current().nextInt(256) + "." + ThreadLocalRandom.current().nextInt(256);
        Answer abuse = post("api/v1/abuse-reports", "{\"site\":\"" + small + "\",\"category\":\"spam\",\"description\":\"Unwanted notifications every hour.\"}", null, from);
        assertThat(abuse.status()).as(abuse.toString()).isEqualTo(202);

        Map<String, Object> o = hub.send("GET", "api/v1/admin/overview", null, admin).json();
        Map<String, Object> totals = (Map<String, Object>) o.get("totals");
        Map<String, Object> beforeTotals = (Map<String, Object>) before.get("totals");
        assertThat((Long) totals.get("total") - (Long) beforeTotals.get("total")).isEqualTo(300 + 10 + 5 + 500 + 20 + bigNow + 10 + 120 + 30);
        List<Map<String, Object>> top = (List<Map<String, Object>>) o.get("topSites");
        assertThat(top.get(0)).containsEntry("siteId", big);
        assertThat(((Map<String, Object>) top.get(0).get("totals"))).containsEntry("total", 300 + 10 + 5 + 500 + 20 + bigNow + 10);
        assertThat((Map<String, Object>) o.get("queueNow")).containsEntry("queued", 42L).containsEntry("claimed", 7L);
        List<Map<String, Object>> quota = (List<Map<String, Object>>) o.get("quota");
        assertThat(quota).anySatisfy(q -> assertThat(q).containsEntry("siteId", small).containsEntry("limit", "notifications-day").containsEntry("over", false));
        assertThat(quota).anySatisfy(q -> assertThat(q).containsEntry("siteId", limited).containsEntry("limit", "broadcasts-day").containsEntry("over", true));
        Map<String, Object> reports = (Map<String, Object>) o.get("openReports");
        assertThat((List<Map<String, Object>>) reports.get("latest")).anySatisfy(r -> assertThat(r).containsEntry("siteId", small));

        Path profile = Files.createTempDirectory("mph-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1600", "--user-data-dir=" + profile);
        // The browser's console, to see that the CSP refused nothing the console needs.
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        WebDriver browser = new ChromeDriver(service, options);
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            JavascriptExecutor js = (JavascriptExecutor) browser;
            browser.get(base + "admin/");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys(ADMIN);
            browser.findElement(By.id("password")).sendKeys(PASSWORD);
            browser.findElement(By.id("login-button")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sites-table")));
            browser.findElement(By.id("nav-overview")).click();
            wait.until(ExpectedConditions.textToBe(By.id("ov-total"), format((Long) totals.get("total"))));

            // Every chart: a Chart.js object on a visible canvas of non-zero size.
            for (String chart : List.of("chart-deliveries", "chart-failure", "chart-queue", "chart-top-sites")) {
                Map<String, Object> c = chart(js, chart);
                assertThat(c).as(chart).isNotNull();
                assertThat(((Number) c.get("width")).doubleValue()).as(chart + " width").isGreaterThan(50);
                assertThat(((Number) c.get("height")).doubleValue()).as(chart + " height").isGreaterThan(50);
            }
            // The bars sum to the API's figures, outcome by outcome, and the legends print them.
            Map<String, Object> deliveries = chart(js, "chart-deliveries");
            assertThat((List<Object>) deliveries.get("labels")).hasSize(24);
            assertThat((List<Object>) deliveries.get("sums")).containsExactly(totals.get("delivered"), totals.get("failed"), totals.get("invalidToken"));
            assertThat(browser.findElement(By.id("legend-deliveries")).getText()).contains("Delivered " + format((Long) totals.get("delivered")))
                    .contains("Failed " + format((Long) totals.get("failed"))).contains("Dead token " + format((Long) totals.get("invalidToken")));
            assertThat(browser.findElement(By.id("ov-failure")).getText()).isEqualTo(percent((Double) totals.get("failureShare")));
            assertThat((List<Object>) chart(js, "chart-failure").get("labels")).hasSize(24);
            Map<String, Object> queue = chart(js, "chart-queue");
            assertThat((List<Object>) queue.get("last")).containsExactly(42L, 7L);
            assertThat(browser.findElement(By.id("ov-queued")).getText()).isEqualTo("42");
            assertThat(browser.findElement(By.id("legend-queue")).getText()).contains("Queued now 42").contains("Being sent 7");
            Map<String, Object> topChart = chart(js, "chart-top-sites");
            assertThat((String) ((List<Object>) topChart.get("labels")).get(0)).contains("busy-");
            assertThat(browser.findElement(By.cssSelector("#top-sites-table tbody tr")).getAttribute("data-site-id")).isEqualTo(big);
            assertThat(browser.findElement(By.cssSelector("#top-sites-table tbody tr td.volume")).getText()).isEqualTo(format(300 + 10 + 5 + 500 + 20 + bigNow + 10));
            assertThat(browser.findElement(By.cssSelector("#quota-table tr[data-site-id='" + small + "']")).getText()).contains("notifications-day").contains("950 of 1,000").contains("near");
            assertThat(browser.findElement(By.cssSelector("#quota-table tr[data-site-id='" + limited + "']")).getText()).contains("broadcasts-day").contains("over");
            assertThat(browser.findElement(By.id("open-reports-table")).getText()).contains("spam");
            assertThat(browser.findElement(By.id("ov-reports")).getText()).isEqualTo(format((Long) reports.get("total")));

            // The busiest site's page: its devices by platform and its recent volume and failure share.
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#top-sites-table tbody tr[data-site-id='" + big + "'] a"))).click();
            wait.ignoring(StaleElementReferenceException.class).until(ExpectedConditions.textToBe(By.id("act-devices"), "8"));
            Map<String, Object> devices = chart(js, "chart-site-devices");
            assertThat((List<Object>) devices.get("labels")).containsExactly("android-fcm", "ios");
            assertThat((List<Object>) devices.get("sums")).containsExactly(8L);
            assertThat(((Number) devices.get("width")).doubleValue()).isGreaterThan(50);
            assertThat(browser.findElement(By.id("legend-site-devices")).getText()).contains("android-fcm 5").contains("ios 3");
            long bigTotal = 300 + 10 + 5 + 500 + 20 + bigNow + 10;
            assertThat(browser.findElement(By.id("act-total")).getText()).isEqualTo(format(bigTotal));
            assertThat(browser.findElement(By.id("act-failure")).getText()).isEqualTo(percent((double) (10 + 5 + 20 + 10) / bigTotal));
            Map<String, Object> volume = chart(js, "chart-site-volume");
            assertThat((List<Object>) volume.get("labels")).hasSize(48);
            assertThat((List<Object>) volume.get("sums")).containsExactly(300 + 500 + bigNow, 30L, 15L);

            List<String> refused = browser.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage)
                    .filter(m -> m.contains("Content Security Policy") || m.contains("Content-Security-Policy")).toList();
            assertThat(refused).as("CSP violations").isEmpty();
        } finally {
            browser.quit();
        }
    }

    @Test
    void theChartLibraryIsServedFromTheHubUnderTheConsolesPolicyWithItsLicence() {
        Answer lib = hub.send("GET", "admin/vendor/chart.umd.min.js", null, null);
        assertThat(lib.status()).isEqualTo(200);
        assertThat(lib.contentType()).startsWith("text/javascript");
        assertThat(lib.body()).startsWith("/*!\n * Chart.js v4.6.1");
        assertThat(lib.header("Content-Security-Policy")).contains("script-src 'self'").doesNotContain("unsafe");
        Answer licence = hub.send("GET", "admin/vendor/chart.js-LICENSE.md", null, null);
        assertThat(licence.status()).isEqualTo(200);
        assertThat(licence.body()).contains("The MIT License");
        assertThat(hub.send("GET", "admin/index.html", null, null).body()).contains("<script src=\"vendor/chart.umd.min.js\" defer></script>");
    }

    // ---------------------------------------------------------------- helpers

    /** A chart's Chart.js object as numbers: canvas size, labels, each dataset's sum and last value; null without one. */
    static Map<String, Object> chart(JavascriptExecutor js, String id) {
        return (Map<String, Object>) js.executeScript("const c = window.Chart && window.Chart.getChart(arguments[0]);"
                + "if (!c) { return null; }"
                + "const r = c.canvas.getBoundingClientRect();"
                + "return { width: r.width, height: r.height, labels: c.data.labels,"
                + "  sums: c.data.datasets.map(d => d.data.reduce((a, b) => a + (b || 0), 0)),"
                + "  last: c.data.datasets.map(d => d.data.length ? d.data[d.data.length - 1] : null) };", id);
    }

    static String format(long n) {
        return String.format(Locale.ENGLISH, "%,d", n);
    }

    static String percent(double share) {
        return String.format(Locale.ENGLISH, "%.1f %%", 100 * share);
    }

    static String hourEntry(String site, Instant hour, long delivered, long failed, long invalid) {
        return "{\"siteId\":\"" + site + "\",\"hour\":\"" + hour + "\",\"delivered\":" + delivered + ",\"failed\":" + failed + ",\"invalidToken\":" + invalid + "}";
    }

    Answer report(String json, String bearer) {
        return post("api/v1/internal/delivery-stats", json, bearer, "127.0.0.1");
    }

    Answer post(String path, String json, String bearer, String from) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(hub.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json").header("X-Forwarded-For", from)
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return hub.exchange(b.build());
    }

    String login() {
        Answer a = post("api/v1/admin/login", "{\"username\":\"" + ADMIN + "\",\"password\":\"" + PASSWORD + "\"}", null,
                "10.61.0." + ThreadLocalRandom.current().nextInt(1, 255));
        assertThat(a.status()).as(a.toString()).isEqualTo(200);
        return a.get("token");
    }

    Map<String, Object> registerAndVerify(String prefix) {
        return SiteRegistrar.registerAndVerify(hub, site, site.baseUrl() + "/" + prefix + "-" + UUID.randomUUID(), Map.of());
    }
}
