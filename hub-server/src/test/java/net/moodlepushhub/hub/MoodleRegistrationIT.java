package net.moodlepushhub.hub;

import org.awaitility.Awaitility;
import net.moodlepushhub.hub.admin.CreateAdmin;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URL;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An unmodified Moodle registering from its own admin pages, replayed request by request as each version sends
 * them (shared/moodle-hub-protocol.md): the browser's GET of {@code siteregistration.php}, the proof of URL
 * ownership against a stand-in Moodle (meta tag behind Moodle's 303 to its login page, or the file), the
 * redirect back to {@code confirmregistration.php}, then the web-service calls Moodle makes with the new token.
 * The hub runs in a real Payara Micro on the real MariaDB.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class MoodleRegistrationIT extends HubIntegrationTest {

    static final String FEED = "it-feed-token";
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String ADMIN = "moodle-admin-" + RUN;
    static final String PASSWORD = "it-password-" + UUID.randomUUID();
    /** Every request comes from its own address (the tests are the hub's trusted proxy), so the per-address limits never interfere. */
    static final AtomicInteger ADDRESS = new AtomicInteger();

    static String adminSession;

    @BeforeEach
    void setUp() throws Exception {
        base = new URL("http", "127.0.0.1", base.getPort(), base.getPath());
        hub = new HttpJson(base.toString());
        if (adminSession == null) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Map<String, String> env = Map.of("HUB_DB_URL", DB_URL, "HUB_DB_USER", DB_USER, "HUB_DB_PASSWORD", DB_PASSWORD);
            assertThat(CreateAdmin.run(new String[]{"create-admin", ADMIN}, new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)),
                    new PrintStream(out), new PrintStream(out), env::get)).as(out.toString()).isZero();
            Answer login = hub.send("POST", "api/v1/admin/login", "{\"username\":\"" + ADMIN + "\",\"password\":\"" + PASSWORD + "\"}", null);
            assertThat(login.status()).as(login.toString()).isEqualTo(200);
            adminSession = login.get("token");
        }
    }

    // ---------------------------------------------------------------- three Moodle versions, whole flow

    @Test
    void moodle41RegistersWithTheMetaTagBehindForcedLoginAndUpdates() {
        String siteUrl = newSiteUrl("m41");
        // Buckets A/B: the secret is $CFG->siteidentifier = random_string(32) . HTTP_HOST.
        String secret = randomAlnum(32) + "127.0.0.1:" + SITE_PORT;
        Map<String, String> info = siteInfo41(siteUrl);
        String query = longRedirectQuery(secret, siteUrl, info);
        assertThat(query).contains("&emailalertemail&").contains("&street&").contains("%20");

        Page page = openPage(query);
        assertThat(page.answer.status()).as(page.answer.toString()).isEqualTo(200);
        assertThat(page.doc.getElementById("site-url").text()).isEqualTo(siteUrl);
        assertThat(page.answer.header("Content-Security-Policy")).contains("frame-ancestors 'none'").contains("form-action 'self' http://127.0.0.1:" + SITE_PORT);
        assertThat(page.answer.header("X-Frame-Options")).isEqualTo("DENY");
        // The same url and token resume the same pending registration (Moodle resends its token while it waits).
        assertThat(openPage(query).doc.getElementById("challenge-content").text()).isEqualTo(page.content());

        // A site with forced login: the front page answers 303 to the login page, whose head has Additional HTML.
        String path = URI.create(siteUrl).getPath();
        site.redirect(path + "/", siteUrl + "/login/index.php");
        site.serve(path + "/login/index.php", "<!DOCTYPE html><html><head><title>Log in</title>" + page.metaTag()
                + "</head><body><form>login</form></body></html>");

        Map<String, String> confirm = verify(page, query);
        assertThat(confirm.get("token")).isEqualTo(secret);
        String token = confirm.get("newtoken");

        // A: the site sends its full information when it is long; then weekly by cron. Unsigned.
        assertThat(ws(token, "hub_update_site_info", buildQuery("siteinfo", info) + "&validateurl=1").body()).isEqualTo("true");
        Map<String, Object> view = adminView(siteUrl);
        assertThat(view.get("status")).isEqualTo("active");
        assertThat(view.get("name")).isEqualTo("Moodle 4.1 test & co");
        assertThat(((Number) view.get("users")).intValue()).isEqualTo(150);
        Map<String, Object> moodle = (Map<String, Object>) view.get("moodle");
        assertThat(moodle.get("release")).isEqualTo("4.1.2 (Build: 20230313)");
        assertThat(moodle.get("registeredDevices")).isEqualTo("30");
        assertThat(moodle.get("lastUpdateSigned")).isEqualTo(false);
        assertThat(moodle.get("lastUpdate")).isNotNull();
        // AirNotifier's check: siteid = md5($CFG->siteidentifier) = md5(secret) for this version.
        assertThat(sitecheck(md5(secret), siteUrl)).isEqualTo("1");
        assertThat(sitecheck(md5(secret + "x"), siteUrl)).isEqualTo("0");
    }

    @Test
    void moodle456RegistersWithTheFileAsksWhetherItIsRegisteredAndItsSiteidWorks() {
        String siteUrl = newSiteUrl("m456");
        String identifier = randomAlnum(32) + "127.0.0.1:" + SITE_PORT;
        // Bucket C: the secret is the identifier plus date('Ymdhis'); AirNotifier still sends md5(identifier).
        String secret = identifier + "20250811093015";
        Map<String, String> info = siteInfo45(siteUrl);
        String query = longRedirectQuery(secret, siteUrl, info);
        Page page = openPage(query);
        assertThat(page.answer.status()).as(page.answer.toString()).isEqualTo(200);
        site.serve(URI.create(page.challengeUrl()).getPath(), page.content() + "\n");

        String token = verify(page, query).get("newtoken");
        assertThat(ws(token, "hub_site_is_registered", "siteurl=" + enc(siteUrl) + "&sitesecret=" + enc(secret)).body()).isEqualTo("true");
        assertThat(ws(token, "hub_site_is_registered", "siteurl=" + enc(siteUrl) + "&sitesecret=" + enc(identifier)).body()).isEqualTo("false");
        assertThat(ws(token, "hub_site_is_registered", "siteurl=" + enc(siteUrl + "-other") + "&sitesecret=" + enc(secret)).body()).isEqualTo("false");
        assertThat(ws(token, "hub_update_site_info", buildQuery("siteinfo", info) + "&validateurl=1").body()).isEqualTo("true");
        assertThat(sitecheck(md5(identifier), siteUrl)).isEqualTo("1");
        assertThat(sitecheck(md5(secret), siteUrl)).isEqualTo("1");
        assertThat(sitecheck(md5(identifier), siteUrl + "-other")).isEqualTo("0");
        // hub_get_info works with the site's token and with the public one.
        assertThat(ws(token, "hub_get_info", "").json()).containsEntry("url", "http://hub.test").containsKey("sites");
        assertThat(ws("publichub", "hub_get_info", "").json()).containsEntry("language", "en");
    }

    @Test
    void moodle52RegistersWithFiveParametersAndSignsItsFirstUpdate() throws Exception {
        String siteUrl = newSiteUrl("m52");
        String secret = randomAlnum(32) + "127.0.0.1:" + SITE_PORT + "20260420101500";
        String query = fiveParameterQuery(secret, siteUrl);
        Page page = openPage(query);
        assertThat(page.answer.status()).as(page.answer.toString()).isEqualTo(200);
        // No forced login: the tag is in the front page itself.
        site.serve(URI.create(siteUrl).getPath() + "/", "<!DOCTYPE html><html><head>" + page.metaTag() + "</head><body>Front page</body></html>");
        String token = verify(page, query).get("newtoken");

        // D/E: the full information right after confirmation, signed with md5(secret).
        Map<String, String> info = siteInfo52(siteUrl);
        long now = Instant.now().getEpochSecond();
        String signed = buildQuery("siteinfo", info) + "&validateurl=1&timestamp=" + now + "&signature=" + sign(secret, siteUrl, now);
        assertThat(ws(token, "hub_update_site_info", signed).body()).isEqualTo("true");
        Map<String, Object> moodle = (Map<String, Object>) adminView(siteUrl).get("moodle");
        assertThat(moodle.get("lastUpdateSigned")).isEqualTo(true);
        assertThat(moodle.get("release")).isEqualTo("5.2 (Build: 20260420)");

        // A forged signature (another secret), a stale timestamp and half a signature are refused; nothing is stored.
        Answer forged = ws(token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl, "users", "99999"))
                + "&timestamp=" + now + "&signature=" + sign(secret + "x", siteUrl, now));
        assertMoodleError(forged, "invalidsignature");
        long stale = now - 11 * 60;
        assertMoodleError(ws(token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl))
                + "&timestamp=" + stale + "&signature=" + sign(secret, siteUrl, stale)), "invalidsignature");
        assertMoodleError(ws(token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl)) + "&timestamp=" + now), "invalidsignature");
        Map<String, Object> after = adminView(siteUrl);
        assertThat(((Number) after.get("users")).intValue()).isEqualTo(210);
        assertThat(((Map<String, Object>) after.get("moodle")).get("lastUpdateSigned")).isEqualTo(true);
        // 5.2's AirNotifier sends md5(get_secret()).
        assertThat(sitecheck(md5(secret), siteUrl)).isEqualTo("1");
    }

    // ---------------------------------------------------------------- ending a registration

    @Test
    void unregisteringEndsTheRegistrationAndTheTokenThenAnswersInvalidtoken() {
        String siteUrl = newSiteUrl("unreg");
        String secret = randomAlnum(32) + "moodle.example";
        Registered r = registerWithFile(siteUrl, secret);
        assertThat(ws(r.token, "hub_unregister_site", "url%5B0%5D=" + enc(siteUrl)).body()).isEqualTo("true");
        Map<String, Object> view = adminView(siteUrl);
        assertThat(view.get("status")).isEqualTo("unregistered");
        Map<String, Object> keys = (Map<String, Object>) view.get("keys");
        assertThat(((Number) keys.get("live")).intValue()).isZero();
        assertMoodleError(ws(r.token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl))), "invalidtoken");
        assertMoodleError(ws(r.token, "hub_site_is_registered", "siteurl=" + enc(siteUrl) + "&sitesecret=" + enc(secret)), "invalidtoken");
        assertMoodleError(ws(r.token, "hub_unregister_site", "url%5B0%5D=" + enc(siteUrl)), "invalidtoken");
        assertThat(sitecheck(md5(secret), siteUrl)).isEqualTo("0");
        // Like DELETE /api/v1/sites/{id}: the whole site is revoked on the feed.
        assertThat(feedHas((String) view.get("siteId"), "revoke")).isTrue();
        // Moodle then registers again (a new pending registration, the URL is free).
        assertThat(openPage(fiveParameterQuery(secret, siteUrl)).answer.status()).isEqualTo(200);
    }

    @Test
    void anAdminRevokeMakesTheTokenInvalid() {
        String siteUrl = newSiteUrl("revoked");
        String secret = randomAlnum(32) + "moodle.example";
        Registered r = registerWithFile(siteUrl, secret);
        String id = (String) adminView(siteUrl).get("siteId");
        Answer revoke = hub.send("POST", "api/v1/admin/sites/" + id + "/revoke", "{\"reason\":\"spam\"}", adminSession);
        assertThat(revoke.status()).as(revoke.toString()).isEqualTo(200);
        assertMoodleError(ws(r.token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl))), "invalidtoken");
        // The revoked URL is refused on the page, with the reason.
        Page again = openPage(fiveParameterQuery(secret, siteUrl));
        assertThat(again.answer.status()).isEqualTo(403);
        assertThat(again.doc.getElementById("problem").text()).contains("url-revoked");
    }

    @Test
    void aMovedSiteIsToldToRegisterAgain() {
        String siteUrl = newSiteUrl("moved");
        Registered r = registerWithFile(siteUrl, randomAlnum(32) + "moodle.example");
        assertMoodleError(ws(r.token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl + "-new"))), "invalidtoken");
        assertThat(adminView(siteUrl).get("status")).isEqualTo("active");
    }

    // ---------------------------------------------------------------- quota from what Moodle reports

    @Test
    void overQuotaSitesAreRefusedAfterTheGracePeriodUntilBackUnderTheLimit() throws Exception {
        String siteUrl = newSiteUrl("quota");
        Registered r = registerWithFile(siteUrl, randomAlnum(32) + "moodle.example");
        String id = (String) adminView(siteUrl).get("siteId");
        assertThat(ws(r.token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl, "users", "30000", "activeusers", "500"))).body())
                .isEqualTo("true");
        Map<String, Object> moodle = (Map<String, Object>) adminView(siteUrl).get("moodle");
        assertThat(moodle.get("overQuotaSince")).isNotNull();
        assertThat(moodle.get("sendsRefusedAt")).isNotNull();
        // hub.quota.grace is PT3S in the integration tests; the check runs every second.
        waitFor(() -> Boolean.TRUE.equals(((Map<String, Object>) adminView(siteUrl).get("moodle")).get("quotaEnforced")));
        assertThat(feedHas(id, "over-quota")).isTrue();
        assertThat(feedHas(id, "within-quota")).isFalse();

        // Back under the limit: sends allowed again at once.
        assertThat(ws(r.token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl, "users", "100"))).body()).isEqualTo("true");
        moodle = (Map<String, Object>) adminView(siteUrl).get("moodle");
        assertThat(moodle.get("quotaEnforced")).isEqualTo(false);
        assertThat(moodle.get("overQuotaSince")).isNull();
        assertThat(feedHas(id, "within-quota")).isTrue();

        // Over again, enforced again, then an admin raises the override: lifted at once.
        ws(r.token, "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl, "users", "30000")));
        waitFor(() -> Boolean.TRUE.equals(((Map<String, Object>) adminView(siteUrl).get("moodle")).get("quotaEnforced")));
        Answer raise = hub.send("PUT", "api/v1/admin/sites/" + id + "/quota", "{\"maxUsers\":50000}", adminSession);
        assertThat(raise.status()).as(raise.toString()).isEqualTo(200);
        moodle = (Map<String, Object>) adminView(siteUrl).get("moodle");
        assertThat(moodle.get("quotaEnforced")).isEqualTo(false);
        List<Map<String, Object>> history = (List<Map<String, Object>>) adminView(siteUrl).get("history");
        assertThat(history).extracting(h -> h.get("action")).contains("over-quota", "quota-enforced", "within-quota", "set-quota");
    }

    // ---------------------------------------------------------------- bad input, refusals, other answers

    @Test
    void badInputGetsAClearAnswerAndWritesNothing() {
        String siteUrl = newSiteUrl("bad");
        String secret = randomAlnum(32) + "moodle.example";
        long before = MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from moodle_registration");
        assertThat(openPage("url=" + enc(siteUrl)).answer.status()).isEqualTo(400);
        assertThat(openPage("token=" + enc(secret)).answer.status()).isEqualTo(400);
        Page noToken = openPage("token&url=" + enc(siteUrl));
        assertThat(noToken.answer.status()).isEqualTo(400);
        assertThat(noToken.doc.getElementById("problem").text()).contains("missing-token");
        assertThat(openPage("token=" + enc(secret) + "&url=" + enc("ftp://127.0.0.1/moodle")).answer.status()).isEqualTo(422);
        assertThat(openPage("token=" + enc(secret) + "&url=" + enc("javascript:alert(1)")).answer.status()).isEqualTo(422);
        assertThat(openPage("token=" + enc(secret) + "&url=" + enc(siteUrl) + "&description=" + "x".repeat(7000)).answer.status()).isEqualTo(414);
        assertThat(openPage("token=" + enc(secret) + "&url=" + enc(siteUrl) + "&name%5Ba%5D%5Bb%5D=1").answer.status()).isEqualTo(400);
        assertThat(openPage("token=" + enc("a b") + "&url=" + enc(siteUrl)).answer.status()).isEqualTo(422);
        // Over the user quota: refused with the same advice as the API.
        Page big = openPage("token=" + enc(secret) + "&url=" + enc(siteUrl) + "&users=25000&activeusers=10");
        assertThat(big.answer.status()).isEqualTo(403);
        assertThat(big.doc.getElementById("problem").text()).contains("quota-exceeded").contains("own push gateway");
        assertThat(MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from moodle_registration")).isEqualTo(before);
        assertThat(MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from site where url = ?", siteUrl)).isZero();

        // The web service: always 200 and Moodle's error object.
        Registered r = registerWithFile(siteUrl, secret);
        assertMoodleError(ws(r.token, "hub_no_such_function", ""), "invalidrecord");
        assertMoodleError(wsRaw("wstoken=" + r.token + "&moodlewsrestformat=json"), "invalidparameter");
        assertMoodleError(ws(r.token, "hub_update_site_info", "siteinfo%5Bname%5D%5Bx%5D=1"), "invalidparameter");
        assertMoodleError(ws(r.token, "hub_update_site_info", "siteinfo%5Bname=1"), "invalidparameter");
        assertMoodleError(ws(r.token, "hub_update_site_info", "siteinfo=1"), "invalidparameter");
        assertMoodleError(ws(r.token, "hub_update_site_info", "siteinfo%5Bname%5D=x&siteinfo=1"), "invalidparameter");
        assertMoodleError(ws(r.token, "hub_update_site_info", "validateurl=1"), "invalidparameter");
        assertMoodleError(ws(r.token, "hub_update_site_info", "siteinfo%5Bdescription%5D=" + "x".repeat(70_000)), "invalidparameter");
        assertMoodleError(ws(r.token, "hub_update_site_info", "siteinfo%5Bname%5D=%E0%A4%zz"), "invalidparameter");
        assertMoodleError(ws("", "hub_update_site_info", buildQuery("siteinfo", Map.of("url", siteUrl))), "invalidtoken");
        assertMoodleError(ws("publichub", "hub_unregister_site", ""), "invalidtoken");
        assertMoodleError(ws(randomAlnum(40), "hub_site_is_registered", ""), "invalidtoken");
        // None of these changed the registration.
        Map<String, Object> view = adminView(siteUrl);
        assertThat(view.get("status")).isEqualTo("active");
        assertThat(view.get("name")).isEqualTo(URI.create(siteUrl).getHost());
        assertThat(((Map<String, Object>) view.get("moodle")).get("lastUpdate")).isNull();
    }

    @Test
    void aFailedProofShowsThePageAgainNamingTheCheck() {
        String siteUrl = newSiteUrl("fails");
        String secret = randomAlnum(32) + "moodle.example";
        String query = fiveParameterQuery(secret, siteUrl);
        Page page = openPage(query);
        // The tag in the body does not count: it must be in <head>.
        site.serve(URI.create(siteUrl).getPath() + "/", "<!DOCTYPE html><html><head><title>x</title></head><body>" + page.metaTag() + "</body></html>");
        Answer failed = postVerify(page, query, page.csrf);
        assertThat(failed.status()).isEqualTo(422);
        Document doc = Jsoup.parse(failed.body());
        assertThat(doc.getElementById("problem").text()).contains("verification/unauthorized").contains("Meta tag");
        assertThat(doc.getElementById("meta-tag").text()).isEqualTo(page.metaTag());
        // Without the CSRF cookie's twin the form is refused.
        assertThat(postVerify(page, query, "x".repeat(32)).status()).isEqualTo(403);
        assertThat(adminView(siteUrl).get("status")).isEqualTo("pending");
    }

    @Test
    void theFrontPageIsForPeopleAndTheJsonApiOffersTheMetaTag() {
        Answer home = hub.exchange(HttpRequest.newBuilder(URI.create(hub.base())).header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").GET().build());
        assertThat(home.status()).isEqualTo(200);
        assertThat(home.contentType()).startsWith("text/html");
        assertThat(home.header("Content-Security-Policy")).contains("frame-ancestors 'none'");
        Document doc = Jsoup.parse(home.body());
        assertThat(doc.getElementById("config-line").text()).isEqualTo("define('HUB_MOODLEORGHUBURL', 'http://hub.test');");
        assertThat(doc.select("a[href=openapi]")).isNotEmpty();
        assertThat(doc.select("a[href=.well-known/jwks.json]")).isNotEmpty();
        assertThat(doc.select("a[href=admin/]")).isNotEmpty();

        Answer created = hub.send("POST", "api/v1/sites", "{\"url\":\"" + newSiteUrl("json") + "\",\"name\":\"Json\",\"contactEmail\":\"a@example.org\",\"users\":10,\"activeUsers\":1}", null);
        Map<String, Object> challenge = (Map<String, Object>) created.json().get("challenge");
        assertThat(challenge.get("metaTag")).isEqualTo("<meta name=\"moodle-push-hub-verification\" content=\"" + challenge.get("content") + "\">");
        assertThat(challenge).containsKeys("token", "url", "content", "expiresAt");
    }

    @Test
    void sitecheckAnswersOneOrZero() {
        Answer a = hub.send("GET", "local/sitecheck/check.php?siteid=abc&url=" + enc("http://nowhere.example"), null, null);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.contentType()).startsWith("text/plain");
        assertThat(a.body()).isEqualTo("0");
        assertThat(hub.send("GET", "local/sitecheck/check.php", null, null).body()).isEqualTo("0");
        assertThat(hub.send("GET", "local/sitecheck/check.php?siteid=abc&url=ftp%3A%2F%2Fx", null, null).body()).isEqualTo("0");
    }

    @Test
    void anAdminWalksThePageInABrowserAndLandsOnMoodlesConfirmationPage() throws Exception {
        // Skip-proof: a missing browser fails the build instead of silently skipping the test.
        assertThat(java.nio.file.Path.of("/usr/bin/chromium")).as("chromium is missing: apt-get install -y chromium chromium-driver").exists();
        assertThat(java.nio.file.Path.of("/usr/bin/chromedriver")).as("chromedriver is missing: apt-get install -y chromium chromium-driver").exists();
        String siteUrl = newSiteUrl("browser");
        String secret = randomAlnum(32) + "127.0.0.1:" + SITE_PORT + "20260420101500";
        String query = fiveParameterQuery(secret, siteUrl);

        java.nio.file.Path profile = java.nio.file.Files.createTempDirectory("mph-chromium-");
        org.openqa.selenium.chrome.ChromeOptions options = new org.openqa.selenium.chrome.ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=412,915", "--user-data-dir=" + profile);
        org.openqa.selenium.chrome.ChromeDriverService service = new org.openqa.selenium.chrome.ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        org.openqa.selenium.WebDriver browser = new org.openqa.selenium.chrome.ChromeDriver(service, options);
        try {
            org.openqa.selenium.support.ui.WebDriverWait wait = new org.openqa.selenium.support.ui.WebDriverWait(browser, Duration.ofSeconds(20));
            // Where Moodle's 303 sends the admin.
            browser.get(hub.base() + "local/hub/siteregistration.php?" + query);
            String tag = wait.until(org.openqa.selenium.support.ui.ExpectedConditions.visibilityOfElementLocated(org.openqa.selenium.By.id("meta-tag"))).getText();
            assertThat(tag).startsWith("<meta name=\"moodle-push-hub-verification\" content=\"");
            assertThat(browser.findElement(org.openqa.selenium.By.id("site-url")).getText()).isEqualTo(siteUrl);
            // The admin pastes the tag into Additional HTML (within HEAD) of a site with forced login.
            String path = URI.create(siteUrl).getPath();
            site.redirect(path + "/", siteUrl + "/login/index.php");
            site.serve(path + "/login/index.php", "<!DOCTYPE html><html><head><title>Log in</title>" + tag + "</head><body>login</body></html>");
            browser.findElement(org.openqa.selenium.By.cssSelector("#verify button")).click();
            String landing = siteUrl + "/admin/registration/confirmregistration.php?";
            wait.until(org.openqa.selenium.support.ui.ExpectedConditions.urlContains(landing));
            Map<String, String> params = new LinkedHashMap<>();
            for (String pair : URI.create(browser.getCurrentUrl()).getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
            assertThat(params).containsOnlyKeys("newtoken", "url", "token", "hubname");
            assertThat(params.get("token")).isEqualTo(secret);
            assertThat(params.get("url")).isEqualTo("http://hub.test");
            assertThat(params.get("newtoken")).matches("[A-Za-z0-9]{32,}");
            // The token works at once, as Moodle uses it inside that same request.
            assertThat(ws(params.get("newtoken"), "hub_site_is_registered", "siteurl=" + enc(siteUrl) + "&sitesecret=" + enc(secret)).body()).isEqualTo("true");
        } finally {
            browser.quit();
        }
    }

    // ---------------------------------------------------------------- Moodle's requests

    record Page(Answer answer, Document doc, String cookie, String csrf) {
        String content() {
            return doc.getElementById("challenge-content").text();
        }

        String challengeUrl() {
            return doc.getElementById("challenge-url").text();
        }

        String metaTag() {
            return doc.getElementById("meta-tag").text();
        }
    }

    record Registered(String token, Map<String, String> confirmation) {
    }

    Registered registerWithFile(String siteUrl, String secret) {
        String query = fiveParameterQuery(secret, siteUrl);
        Page page = openPage(query);
        assertThat(page.answer.status()).as(page.answer.toString()).isEqualTo(200);
        site.serve(URI.create(page.challengeUrl()).getPath(), page.content());
        Map<String, String> confirm = verify(page, query);
        return new Registered(confirm.get("newtoken"), confirm);
    }

    /** The admin's browser arriving from Moodle's 303. */
    Page openPage(String query) {
        Answer a = hub.exchange(HttpRequest.newBuilder(URI.create(hub.base() + "local/hub/siteregistration.php?" + query))
                .header("X-Forwarded-For", nextAddress()).header("Accept", "text/html").GET().build());
        Document doc = Jsoup.parse(a.body());
        String cookie = a.raw().headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("mph_csrf=")).findFirst()
                .map(c -> c.substring(0, c.indexOf(';'))).orElse(null);
        String csrf = doc.select("#verify input[name=csrf]").attr("value");
        return new Page(a, doc, cookie, csrf);
    }

    Answer postVerify(Page page, String query, String csrf) {
        assertThat(page.cookie()).isNotNull();
        return hub.exchange(HttpRequest.newBuilder(URI.create(hub.base() + "local/hub/siteregistration.php?" + query))
                .header("X-Forwarded-For", nextAddress()).header("Cookie", page.cookie())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf=" + enc(csrf))).build());
    }

    /** Presses Verify; checks the redirect Moodle's confirmregistration.php expects and returns its parameters. */
    Map<String, String> verify(Page page, String query) {
        Answer a = postVerify(page, query, page.csrf());
        assertThat(a.status()).as(a.toString()).isEqualTo(303);
        String location = a.header("Location");
        String siteUrl = page.doc().getElementById("site-url").text();
        assertThat(location).startsWith(siteUrl + "/admin/registration/confirmregistration.php?newtoken=");
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : URI.create(location).getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            params.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        assertThat(params).containsOnlyKeys("newtoken", "url", "token", "hubname");
        assertThat(params.get("newtoken")).matches("[A-Za-z0-9]{32,}");
        // confirmregistration.php: parse_url(url, HOST) must be the host of HUB_MOODLEORGHUBURL.
        assertThat(URI.create(params.get("url")).getHost()).isEqualTo("hub.test");
        assertThat(params.get("hubname")).isNotBlank();
        return params;
    }

    /** {@code api::call_rest()}: POST, {@code http_build_query(['wstoken','wsfunction','moodlewsrestformat'] + $data)}. */
    Answer ws(String token, String function, String data) {
        return wsRaw("wstoken=" + enc(token) + "&wsfunction=" + function + "&moodlewsrestformat=json" + (data.isEmpty() ? "" : "&" + data));
    }

    Answer wsRaw(String body) {
        Answer a = hub.exchange(HttpRequest.newBuilder(URI.create(hub.base() + "local/hub/webservice/webservices.php"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("User-Agent", "MoodleBot/1.0")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(a.status()).as(a.toString()).isEqualTo(200);
        return a;
    }

    static void assertMoodleError(Answer a, String errorcode) {
        assertThat(a.status()).isEqualTo(200);
        Map<String, Object> json = a.json();
        assertThat(json.get("exception")).as(a.toString()).isEqualTo("moodle_exception");
        assertThat(json.get("errorcode")).as(a.toString()).isEqualTo(errorcode);
        assertThat((String) json.get("message")).isNotBlank();
    }

    String sitecheck(String siteId, String url) {
        Answer a = hub.exchange(HttpRequest.newBuilder(URI.create(hub.base() + "local/sitecheck/check.php?siteid=" + siteId + "&url=" + enc(url)))
                .header("X-Forwarded-For", nextAddress()).GET().build());
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.contentType()).startsWith("text/plain");
        return a.body();
    }

    Map<String, Object> adminView(String siteUrl) {
        Answer search = hub.send("GET", "api/v1/admin/sites?q=" + enc(URI.create(siteUrl).getPath()), null, adminSession);
        assertThat(search.status()).as(search.toString()).isEqualTo(200);
        List<Map<String, Object>> items = (List<Map<String, Object>>) search.json().get("items");
        assertThat(items).as("sites for " + siteUrl).isNotEmpty();
        // The newest registration of the URL.
        Map<String, Object> newest = items.stream().filter(i -> siteUrl.equals(i.get("url")))
                .max(java.util.Comparator.comparing(i -> (String) i.get("createdAt"))).orElseThrow();
        Answer view = hub.send("GET", "api/v1/admin/sites/" + newest.get("siteId"), null, adminSession);
        assertThat(view.status()).as(view.toString()).isEqualTo(200);
        return view.json();
    }

    boolean feedHas(String siteId, String action) {
        Answer feed = hub.send("GET", "api/v1/revocations?after=0", null, FEED);
        long next = 0;
        while (true) {
            List<Map<String, Object>> events = (List<Map<String, Object>>) feed.json().get("events");
            for (Map<String, Object> e : events) {
                if ("site".equals(e.get("subjectType")) && siteId.equals(e.get("subject")) && action.equals(e.get("action"))) {
                    return true;
                }
            }
            long n = ((Number) feed.json().get("next")).longValue();
            if (events.isEmpty() || n == next) {
                return false;
            }
            next = n;
            feed = hub.send("GET", "api/v1/revocations?after=" + next, null, FEED);
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(condition::getAsBoolean);
    }

    // ---------------------------------------------------------------- what each version sends

    String newSiteUrl(String prefix) {
        return site.baseUrl() + "/" + prefix + "-" + UUID.randomUUID().toString().substring(0, 12);
    }

    static String nextAddress() {
        int n = ADDRESS.incrementAndGet();
        return "10.77." + (n / 250 % 250) + "." + (n % 250 + 1);
    }

    /** Buckets A-C: {@code moodle_url} with token, url, then site information until the URL would pass 2000 characters. */
    String longRedirectQuery(String secret, String siteUrl, Map<String, String> info) {
        StringBuilder q = new StringBuilder("token=" + raw(secret) + "&url=" + raw(siteUrl));
        String prefix = hub.base() + "local/hub/siteregistration.php?";
        for (Map.Entry<String, String> e : info.entrySet()) {
            if (e.getKey().equals("url")) {
                continue; // moodle_url::param() re-sets url in place
            }
            String pair = e.getValue() == null || e.getValue().isEmpty() ? raw(e.getKey()) : raw(e.getKey()) + "=" + raw(e.getValue());
            if ((prefix + q + "&" + pair).length() > 2000) {
                break; // stops at the first field that would overflow: every later one is absent
            }
            q.append('&').append(pair);
        }
        return q.toString();
    }

    /** Buckets D/E: {@code get_registration_redirect_url()}, exactly five parameters. */
    static String fiveParameterQuery(String secret, String siteUrl) {
        return "token=" + raw(secret) + "&url=" + raw(siteUrl) + "&policyagreed=1&contactemail=" + raw("admin@example.org") + "&language=en";
    }

    static Map<String, String> siteInfo41(String siteUrl) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("policyagreed", "1");
        m.put("language", "en");
        m.put("countrycode", "AU");
        m.put("privacy", "named");
        m.put("contactemail", "admin@example.org");
        m.put("contactable", "1");
        m.put("emailalert", "1");
        m.put("emailalertemail", null);
        m.put("commnews", "0");
        m.put("commnewsemail", null);
        m.put("contactname", "Admin User");
        m.put("name", "Moodle 4.1 test & co");
        m.put("description", "A site <b>for</b> tests; 100% real");
        m.put("imageurl", "");
        m.put("contactphone", "");
        m.put("regioncode", "-");
        m.put("geolocation", "");
        m.put("street", "");
        m.put("courses", "12");
        m.put("users", "150");
        m.put("activeusers", "40");
        m.put("enrolments", "300");
        m.put("posts", "20");
        m.put("questions", "40");
        m.put("resources", "8");
        m.put("badges", "1");
        m.put("issuedbadges", "3");
        m.put("participantnumberaverage", "12.5");
        m.put("activeparticipantnumberaverage", "4.25");
        m.put("modulenumberaverage", "7");
        m.put("dbtype", "mariadb");
        m.put("coursesnodates", "2");
        m.put("sitetheme", "boost");
        m.put("primaryauthtype", "manual");
        m.put("moodlerelease", "4.1.2 (Build: 20230313)");
        m.put("url", siteUrl);
        m.put("mobileservicesenabled", "1");
        m.put("mobilenotificationsenabled", "1");
        m.put("registereduserdevices", "30");
        m.put("registeredactiveuserdevices", "20");
        m.put("analyticsenabledmodels", "2");
        m.put("analyticspredictions", "0");
        m.put("analyticsactions", "0");
        m.put("analyticsactionsnotuseful", "0");
        return m;
    }

    static Map<String, String> siteInfo45(String siteUrl) {
        Map<String, String> m = siteInfo41(siteUrl);
        m.remove("contactable");
        m.put("emailalertemail", "");
        m.put("commnewsemail", "");
        m.put("name", "Moodle 4.5 test");
        m.put("organisationtype", "3");
        // pluginusage is long: it normally stops the redirect's site information.
        StringBuilder plugins = new StringBuilder("{\"mod\":{");
        for (int i = 0; i < 200; i++) {
            plugins.append(i == 0 ? "" : ",").append("\"plugin").append(i).append("\":{\"enabled\":1,\"count\":").append(i).append('}');
        }
        m.put("pluginusage", plugins.append("}}").toString());
        m.put("aiusage", "");
        m.put("moodlerelease", "4.5.6 (Build: 20250811)");
        return m;
    }

    static Map<String, String> siteInfo52(String siteUrl) {
        Map<String, String> m = siteInfo45(siteUrl);
        m.put("name", "Moodle 5.2 test");
        m.put("users", "210");
        m.put("commnewsfirstname", "");
        m.put("commnewslastname", "");
        m.put("diskusage", "123.456");
        m.put("defaulthomepage", "1");
        m.put("moodlerelease", "5.2 (Build: 20260420)");
        return m;
    }

    /** PHP's {@code http_build_query()} of one nested array: {@code siteinfo%5Bkey%5D=value}, nulls omitted, spaces as {@code +}. */
    static String buildQuery(String name, Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            b.append(b.length() == 0 ? "" : "&").append(enc(name + "[" + e.getKey() + "]")).append('=').append(enc(e.getValue()));
        }
        return b.toString();
    }

    /** {@code api::sign_registration_update()}: hash_hmac('sha256', siteurl|timestamp, md5(secret)). */
    static String sign(String secret, String siteUrl, long timestamp) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(md5(secret).getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal((siteUrl + "|" + timestamp).getBytes(StandardCharsets.UTF_8)));
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String randomAlnum(int n) {
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        java.security.SecureRandom r = new java.security.SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(chars.charAt(r.nextInt(chars.length())));
        }
        return b.toString();
    }

    /** {@code urlencode}, as http_build_query uses. */
    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** {@code rawurlencode}, as moodle_url uses. */
    static String raw(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~");
    }
}
