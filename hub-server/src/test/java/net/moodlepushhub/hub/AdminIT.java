package net.moodlepushhub.hub;

import org.awaitility.Awaitility;
import net.moodlepushhub.hub.admin.CreateAdmin;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.SiteRegistrar;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hub administration end to end, in a real Payara Micro on the real MariaDB: operators created with the
 * documented command, the admin API's roles, suspension/reinstatement/revocation reaching the gateway's feed,
 * abuse reports, rate limits, the audit log, and the web console driven in a real headless Chromium.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class AdminIT extends HubIntegrationTest {

    static final String FEED = "it-feed-token";
    static final String PASSWORD = "it-password-" + UUID.randomUUID();
    /** Operator names are unique per run: the MariaDB database outlives a run. */
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String ADMIN = "admin-" + RUN;
    static final String AUDITOR = "auditor-" + RUN;

    static boolean operatorsCreated;

    @BeforeEach
    void setUp() throws Exception {
        // Arquillian reports the machine's interface address; the tests talk to the hub over loopback only,
        // which is also the address the hub trusts as its "reverse proxy" (hub.http.trusted-proxies).
        base = new URL("http", "127.0.0.1", base.getPort(), base.getPath());
        hub = new HttpJson(base.toString());
        if (!operatorsCreated) {
            // The documented way to get the first admin: the create-admin command, password on stdin.
            assertThat(createOperator("create-admin", ADMIN, PASSWORD)).isZero();
            assertThat(createOperator("create-auditor", AUDITOR, PASSWORD)).isZero();
            operatorsCreated = true;
        }
    }

    // ---------------------------------------------------------------- the operator command

    @Test
    void theCommandRefusesShortPasswordsAndExistingNames() {
        assertThat(createOperator("create-admin", "short-" + RUN, "too-short")).isEqualTo(1);
        assertThat(createOperator("create-admin", ADMIN, PASSWORD)).isEqualTo(1);
        assertThat(createOperator("create-root", "x-" + RUN, PASSWORD)).isEqualTo(2);
        assertThat(MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from operator where username = ?", "short-" + RUN)).isZero();
        assertThat(MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD,
                "select count(*) from operator where username = ? and password_hash like '$argon2id$v=19$%'", ADMIN)).isEqualTo(1);
    }

    // ---------------------------------------------------------------- authentication and roles

    @Test
    void anonymousSeesNothing() throws Exception {
        Map<String, Object> s = registerAndVerify("anon");
        for (String path : List.of("api/v1/admin/sites", "api/v1/admin/sites/" + s.get("siteId"), "api/v1/admin/abuse-reports",
                "api/v1/admin/audit", "api/v1/admin/me")) {
            RegistrationIT.assertProblem(hub.send("GET", path, null, null), 401, "admin-login-required");
            RegistrationIT.assertProblem(hub.send("GET", path, null, "not-a-session"), 401, "invalid-admin-session");
            // A site key is signed by the same hub key, but it is not an admin session (typ and audience differ).
            RegistrationIT.assertProblem(hub.send("GET", path, null, (String) s.get("siteKey")), 401, "invalid-admin-session");
        }
        RegistrationIT.assertProblem(hub.send("POST", "api/v1/admin/sites/" + s.get("siteId") + "/suspend", "{\"reason\":\"x\"}", null),
                401, "admin-login-required");
        assertThat(siteStatus(s)).isEqualTo("active");
    }

    @Test
    void anAuditorReadsEverythingAndChangesNothing() {
        Map<String, Object> s = registerAndVerify("auditor");
        String id = (String) s.get("siteId");
        String auditor = login(AUDITOR, PASSWORD, "10.1.0.1");
        assertThat(hub.send("GET", "api/v1/admin/sites?q=auditor", null, auditor).status()).isEqualTo(200);
        assertThat(hub.send("GET", "api/v1/admin/sites/" + id, null, auditor).status()).isEqualTo(200);
        assertThat(hub.send("GET", "api/v1/admin/abuse-reports", null, auditor).status()).isEqualTo(200);
        assertThat(hub.send("GET", "api/v1/admin/audit", null, auditor).status()).isEqualTo(200);
        String p = "api/v1/admin/sites/" + id;
        RegistrationIT.assertProblem(hub.send("POST", p + "/suspend", "{\"reason\":\"spam\"}", auditor), 403, "forbidden-role");
        RegistrationIT.assertProblem(hub.send("POST", p + "/reinstate", "{}", auditor), 403, "forbidden-role");
        RegistrationIT.assertProblem(hub.send("POST", p + "/revoke", "{\"reason\":\"spam\"}", auditor), 403, "forbidden-role");
        RegistrationIT.assertProblem(hub.send("POST", p + "/lift-revocation", "{\"reason\":\"ok\"}", auditor), 403, "forbidden-role");
        RegistrationIT.assertProblem(hub.send("PUT", p + "/quota", "{\"maxUsers\":5}", auditor), 403, "forbidden-role");
        RegistrationIT.assertProblem(hub.send("POST", "api/v1/admin/keys/" + UUID.randomUUID() + "/revoke", "{\"reason\":\"x\"}", auditor), 403, "forbidden-role");
        RegistrationIT.assertProblem(hub.send("POST", "api/v1/admin/abuse-reports/1/resolve", "{\"reason\":\"x\"}", auditor), 403, "forbidden-role");
        assertThat(siteStatus(s)).isEqualTo("active");
    }

    @Test
    void failedLoginsAreRateLimitedPerUsernameAndPerAddress() {
        String user = "victim-" + RUN;
        assertThat(createOperator("create-admin", user, PASSWORD)).isZero();
        for (int i = 0; i < 3; i++) {
            RegistrationIT.assertProblem(loginAnswer(user, "wrong-password-" + i, "10.2.0." + i), 401, "invalid-credentials");
        }
        // Per username: the right password from a fresh address is refused too while the window lasts.
        Answer limited = loginAnswer(user, PASSWORD, "10.2.0.99");
        RegistrationIT.assertProblem(limited, 429, "rate-limited");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
        // Per address: three unknown usernames from one address block that address for everyone.
        for (int i = 0; i < 3; i++) {
            RegistrationIT.assertProblem(loginAnswer("nobody-" + i + "-" + RUN, "x", "10.3.0.1"), 401, "invalid-credentials");
        }
        RegistrationIT.assertProblem(loginAnswer(ADMIN, PASSWORD, "10.3.0.1"), 429, "rate-limited");
        assertThat(loginAnswer(ADMIN, PASSWORD, "10.3.0.2").status()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- suspension, revocation, audit

    @Test
    void suspendReinstateRevokeAndLiftReachTheFeedTheSiteAdminAndTheAuditLog() throws Exception {
        String url = site.baseUrl() + "/lifecycle-" + UUID.randomUUID();
        Map<String, Object> s = registerAndVerifyUrl(url);
        String id = (String) s.get("siteId");
        String admin = login(ADMIN, PASSWORD, "10.4.0.1");
        String p = "api/v1/admin/sites/" + id;

        long head = feedHead();
        Answer suspended = hub.send("POST", p + "/suspend", "{\"reason\":\"phishing notifications\"}", admin);
        assertThat(suspended.status()).as(suspended.toString()).isEqualTo(200);
        assertThat(feedEvents(head)).contains(List.of("site", id, "suspend"));
        Answer seen = hub.send("GET", "api/v1/sites/" + id, null, (String) s.get("managementToken"));
        assertThat(seen.get("status")).isEqualTo("suspended");
        assertThat(seen.get("statusReason")).isEqualTo("phishing notifications");
        RegistrationIT.assertProblem(hub.send("POST", p + "/suspend", "{\"reason\":\"again\"}", admin), 409, "invalid-transition");
        // Neither unregistering nor registering the URL anew is a way out of a suspension.
        RegistrationIT.assertProblem(hub.send("DELETE", "api/v1/sites/" + id, null, (String) s.get("managementToken")), 403, "site-suspended");
        RegistrationIT.assertProblem(register(url), 403, "url-suspended");

        head = feedHead();
        assertThat(hub.send("POST", p + "/reinstate", "{\"reason\":\"site admin cleaned up\"}", admin).status()).isEqualTo(200);
        assertThat(feedEvents(head)).contains(List.of("site", id, "reinstate"));
        assertThat(siteStatus(s)).isEqualTo("active");

        head = feedHead();
        assertThat(hub.send("POST", p + "/revoke", "{\"reason\":\"repeated phishing\"}", admin).status()).isEqualTo(200);
        List<List<String>> events = feedEvents(head);
        assertThat(events).contains(List.of("site", id, "revoke"), List.of("key", RegistrationIT.jti((String) s.get("siteKey")), "revoke"));
        assertThat(siteStatus(s)).isEqualTo("revoked");
        RegistrationIT.assertProblem(register(url), 403, "url-revoked");

        RegistrationIT.assertProblem(hub.send("POST", p + "/lift-revocation", "{}", admin), 422, "validation-failed");
        assertThat(hub.send("POST", p + "/lift-revocation", "{\"reason\":\"new school admin, verified by phone\"}", admin).status()).isEqualTo(200);
        assertThat(register(url).status()).isEqualTo(201);
        assertThat(siteStatus(s)).isEqualTo("revoked");

        Answer audit = hub.send("GET", "api/v1/admin/audit?subjectType=site&subject=" + id, null, admin);
        List<Map<String, Object>> entries = (List<Map<String, Object>>) audit.json().get("items");
        assertThat(entries).extracting(e -> e.get("action")).containsSubsequence("lift-revocation", "revoke", "reinstate", "suspend", "activate", "register");
        assertThat(entries).filteredOn(e -> "suspend".equals(e.get("action"))).first()
                .satisfies(e -> {
                    assertThat(e.get("actor")).isEqualTo(ADMIN);
                    assertThat(e.get("reason")).isEqualTo("phishing notifications");
                    assertThat(e.get("at")).isNotNull();
                });
        assertThat(entries).filteredOn(e -> "activate".equals(e.get("action"))).first().satisfies(e -> assertThat(e.get("actor")).isEqualTo("site-admin"));
    }

    @Test
    void aSuspensionWithAnEndTimeEndsByItself() throws Exception {
        Map<String, Object> s = registerAndVerify("until");
        String id = (String) s.get("siteId");
        String admin = login(ADMIN, PASSWORD, "10.5.0.1");
        long head = feedHead();
        String until = Instant.now().plusSeconds(2).toString();
        assertThat(hub.send("POST", "api/v1/admin/sites/" + id + "/suspend", "{\"reason\":\"cool down\",\"until\":\"" + until + "\"}", admin).status()).isEqualTo(200);
        RegistrationIT.assertProblem(hub.send("POST", "api/v1/admin/sites/" + id + "/suspend", "{\"reason\":\"x\",\"until\":\"yesterday\"}", admin), 422, "validation-failed");
        assertThat(siteStatus(s)).isEqualTo("suspended");
        Awaitility.await("the suspension ending by itself").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                .until(() -> "active".equals(siteStatus(s)));
        assertThat(feedEvents(head)).containsSubsequence(List.of("site", id, "suspend"), List.of("site", id, "reinstate"));
        List<Map<String, Object>> entries = (List<Map<String, Object>>) hub.send("GET", "api/v1/admin/audit?subject=" + id, null, admin).json().get("items");
        assertThat(entries.get(0)).containsEntry("action", "reinstate").containsEntry("actor", "system");
    }

    @Test
    void revokingOneKeyAppendsAKeyEventAndQuotaOverridesApplyToTheSite() throws Exception {
        Map<String, Object> s = registerAndVerify("keys");
        String id = (String) s.get("siteId");
        String token = (String) s.get("managementToken");
        String admin = login(ADMIN, PASSWORD, "10.6.0.1");
        String jti = RegistrationIT.jti((String) s.get("deviceKey"));
        long head = feedHead();
        assertThat(hub.send("POST", "api/v1/admin/keys/" + jti + "/revoke", "{\"reason\":\"leaked in a forum post\"}", admin).status()).isEqualTo(200);
        assertThat(feedEvents(head)).containsExactly(List.of("key", jti, "revoke"));
        RegistrationIT.assertProblem(hub.send("POST", "api/v1/admin/keys/" + jti + "/revoke", "{\"reason\":\"again\"}", admin), 409, "key-revoked");
        RegistrationIT.assertProblem(hub.send("POST", "api/v1/admin/keys/nope/revoke", "{\"reason\":\"x\"}", admin), 404, "key-not-found");

        RegistrationIT.assertProblem(hub.send("PATCH", "api/v1/sites/" + id, "{\"users\":25000}", token), 403, "quota-exceeded");
        Answer set = hub.send("PUT", "api/v1/admin/sites/" + id + "/quota",
                "{\"maxUsers\":30000,\"maxDevices\":50000,\"notificationsPerMinute\":600,\"notificationsPerDay\":100000,\"broadcastsPerDay\":4}", admin);
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(hub.send("PATCH", "api/v1/sites/" + id, "{\"users\":25000}", token).status()).isEqualTo(200);
        Map<String, Object> quota = (Map<String, Object>) hub.send("GET", "api/v1/sites/" + id, null, token).json().get("quota");
        assertThat(quota).containsEntry("maxUsers", 30000L).containsEntry("maxDevices", 50000L).containsEntry("notificationsPerMinute", 600L)
                .containsEntry("notificationsPerDay", 100000L).containsEntry("broadcastsPerDay", 4L);
        Map<String, Object> detail = hub.send("GET", "api/v1/admin/sites/" + id, null, admin).json();
        assertThat(((Map<String, Object>) detail.get("keys")).get("revoked")).isEqualTo(1L);
        assertThat((List<?>) detail.get("verificationAttempts")).hasSize(1);
    }

    // ---------------------------------------------------------------- abuse reports

    @Test
    void abuseReportsAreFoldedRateLimitedAndRevealNothing() {
        Map<String, Object> s = registerAndVerify("reported");
        String id = (String) s.get("siteId");
        String url = (String) hub.send("GET", "api/v1/sites/" + id, null, (String) s.get("managementToken")).get("url");
        String from = "10.7.0.1";
        Answer first = report(id, "spam", from);
        assertThat(first.status()).as(first.toString()).isEqualTo(202);
        assertThat(report(url, "spam", from).body()).isEqualTo(first.body());
        assertThat(report(id, "spam", from).status()).isEqualTo(202);
        // An unknown site gets exactly the same answer.
        Answer unknown = report("https://never-registered-" + RUN + ".example.org", "phishing", from);
        assertThat(unknown.status()).isEqualTo(202);
        assertThat(unknown.body()).isEqualTo(first.body());
        assertThat(report(UUID.randomUUID().toString(), "other", from).body()).isEqualTo(first.body());
        Answer limited = report(id, "spam", from);
        RegistrationIT.assertProblem(limited, 429, "rate-limited");
        assertThat(limited.header("Retry-After")).isNotBlank();
        RegistrationIT.assertProblem(report(id, "nonsense", "10.7.0.2"), 422, "validation-failed");

        String admin = login(ADMIN, PASSWORD, "10.7.0.3");
        List<Map<String, Object>> reports = (List<Map<String, Object>>) hub.send("GET", "api/v1/admin/abuse-reports?siteId=" + id, null, admin).json().get("items");
        assertThat(reports).hasSize(1);
        assertThat(reports.get(0)).containsEntry("count", 3L).containsEntry("category", "spam").containsEntry("status", "open");
        List<Map<String, Object>> sites = (List<Map<String, Object>>) hub.send("GET", "api/v1/admin/sites?minReports=3&q=reported", null, admin).json().get("items");
        assertThat(sites).extracting(m -> m.get("siteId")).contains(id);

        Object reportId = reports.get(0).get("id");
        Answer resolved = hub.send("POST", "api/v1/admin/abuse-reports/" + reportId + "/resolve", "{\"reason\":\"warned the site admin\"}", admin);
        assertThat(resolved.status()).as(resolved.toString()).isEqualTo(200);
        assertThat(resolved.get("status")).isEqualTo("resolved");
        assertThat(resolved.get("resolvedBy")).isEqualTo(ADMIN);
        List<Map<String, Object>> audit = (List<Map<String, Object>>) hub.send("GET", "api/v1/admin/audit?subjectType=report&subject=" + reportId, null, admin).json().get("items");
        assertThat(audit).hasSize(1);
        assertThat(audit.get(0)).containsEntry("action", "resolve-report").containsEntry("actor", ADMIN);
    }

    // ---------------------------------------------------------------- the web console

    @Test
    void theConsoleIsServedWithAContentSecurityPolicy() {
        Answer page = hub.send("GET", "admin/", null, null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'").contains("frame-ancestors 'none'").doesNotContain("unsafe-inline");
        assertThat(hub.send("GET", "admin/console.js", null, null).header("Content-Security-Policy")).isNotNull();
        assertThat(hub.send("GET", "admin/WEB-INF/web.xml", null, null).status()).isEqualTo(404);
    }

    @Test
    void anAdminSuspendsAReportedSiteInTheBrowserAndTheFeedShowsIt() throws Exception {
        // Skip-proof: a missing browser fails the build instead of silently skipping the test.
        assertThat(Path.of("/usr/bin/chromium")).as("chromium is missing: apt-get install -y chromium chromium-driver").exists();
        assertThat(Path.of("/usr/bin/chromedriver")).as("chromedriver is missing: apt-get install -y chromium chromium-driver").exists();

        Map<String, Object> s = registerAndVerify("browser");
        String id = (String) s.get("siteId");
        assertThat(report(id, "phishing", "10.8.0.1").status()).isEqualTo(202);
        long head = feedHead();

        Path profile = Files.createTempDirectory("mph-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=412,915", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        WebDriver browser = new ChromeDriver(service, options);
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            browser.get(base + "admin/");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys(ADMIN);
            browser.findElement(By.id("password")).sendKeys(PASSWORD);
            browser.findElement(By.id("login-button")).click();

            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sites-table")));
            browser.findElement(By.id("site-search")).sendKeys("browser-");
            browser.findElement(By.id("site-reported")).click();
            browser.findElement(By.id("site-search-button")).click();
            String row = "#sites-table tr[data-site-id='" + id + "']";
            // The reported site shows up with its one open report.
            wait.ignoring(StaleElementReferenceException.class)
                    .until(ExpectedConditions.textToBe(By.cssSelector(row + " td.reports"), "1"));
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(row + " a.site-link"))).click();

            wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "active"));
            assertThat(browser.findElement(By.id("site-reports")).getText()).contains("phishing");
            browser.findElement(By.id("suspend-reason")).sendKeys("phishing reported by users");
            browser.findElement(By.id("suspend-button")).click();
            wait.until(ExpectedConditions.textToBe(By.id("detail-status"), "suspended"));

            // Revoking asks for confirmation first; cancelling changes nothing.
            browser.findElement(By.id("revoke-reason")).sendKeys("not yet");
            browser.findElement(By.id("revoke-button")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-box")));
            browser.findElement(By.id("confirm-no")).click();
            assertThat(browser.findElement(By.id("detail-status")).getText()).isEqualTo("suspended");
        } finally {
            browser.quit();
        }
        assertThat(feedEvents(head)).containsExactly(List.of("site", id, "suspend"));
        assertThat(siteStatus(s)).isEqualTo("suspended");
    }

    // ---------------------------------------------------------------- helpers

    int createOperator(String command, String username, String password) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("HUB_DB_URL", DB_URL, "HUB_DB_USER", DB_USER, "HUB_DB_PASSWORD", DB_PASSWORD);
        return CreateAdmin.run(new String[]{command, username}, new ByteArrayInputStream((password + "\n").getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out), new PrintStream(out), env::get);
    }

    Answer loginAnswer(String username, String password, String from) {
        return post("api/v1/admin/login", "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}", from);
    }

    String login(String username, String password, String from) {
        Answer a = loginAnswer(username, password, from);
        assertThat(a.status()).as(a.toString()).isEqualTo(200);
        return a.get("token");
    }

    Answer report(String siteRef, String category, String from) {
        return post("api/v1/abuse-reports", "{\"site\":\"" + siteRef + "\",\"category\":\"" + category
                + "\",\"description\":\"It sends me fake password-reset notifications.\",\"contact\":\"reporter@example.org\"}", from);
    }

    /** A POST from a given client address, as the hub's trusted reverse proxy would forward it. */
    Answer post(String path, String json, String from) {
        return hub.exchange(HttpRequest.newBuilder(URI.create(hub.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json").header("X-Forwarded-For", from)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    Answer register(String url) {
        return hub.send("POST", "api/v1/sites", "{\"url\":\"" + url + "\",\"name\":\"Test site\",\"contactEmail\":\"admin@example.org\",\"users\":100,\"activeUsers\":10}", null);
    }

    Map<String, Object> registerAndVerify(String prefix) {
        return registerAndVerifyUrl(site.baseUrl() + "/" + prefix + "-" + UUID.randomUUID());
    }

    Map<String, Object> registerAndVerifyUrl(String url) {
        return SiteRegistrar.registerAndVerify(hub, site, url, Map.of());
    }

    String siteStatus(Map<String, Object> s) {
        return hub.send("GET", "api/v1/sites/" + s.get("siteId"), null, (String) s.get("managementToken")).get("status");
    }

    long feedHead() {
        long next = 0;
        while (true) {
            long n = Long.parseLong(hub.send("GET", "api/v1/revocations?after=" + next, null, FEED).get("next"));
            if (n == next) {
                return next;
            }
            next = n;
        }
    }

    /** The feed's events after {@code after} as [subjectType, subject, action], waiting briefly for the first. */
    List<List<String>> feedEvents(long after) {
        Answer a = hub.send("GET", "api/v1/revocations?after=" + after + "&wait=2", null, FEED);
        assertThat(a.status()).as(a.toString()).isEqualTo(200);
        return ((List<Map<String, Object>>) a.json().get("events")).stream()
                .map(e -> List.of((String) e.get("subjectType"), (String) e.get("subject"), (String) e.get("action"))).toList();
    }
}
