package net.moodlepushhub.gateway;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import net.moodlepushhub.testsupport.TestStack;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An unmodified Moodle 4.5.6 end to end: it registers from its admin pages with the real hub (second Payara
 * Micro), then its AirNotifier plugin requests an access key from the gateway with {@code siteid =
 * md5(siteidentifier)} (its secret carries 14 more date digits), registers a device and pushes; the
 * notification reaches Pushy's MockApnsServer. Then the site reports more users than the hub's quota: after the
 * grace period (2 s here) the gateway refuses its sends until it reports fewer users.
 */
class GatewayMoodleIT {

    static TestStack stack;
    static StandInSite site;
    static MockApnsFixture apns;
    static HttpJson hub;

    @BeforeAll
    static void start() {
        stack = TestStack.builder("gateway-moodle-it")
                .hubDb(System.getProperty("it.hub.db.url"))
                .gatewayDb(System.getProperty("it.db.url"))
                .hubProperty("hub.quota.grace", "PT2S")
                .hubProperty("hub.quota.check-interval", "PT1S")
                .hubProperty("hub.quota.max-users", "1000")
                .start();
        site = stack.site();
        apns = stack.apns();
        hub = stack.hub();
    }

    @AfterAll
    static void stop() {
        StackConfig.closeAll(stack);
    }

    @Test
    void moodle456RegistersRequestsAKeyPushesAndIsStoppedOverQuota() throws Exception {
        HttpJson gateway = stack.gateway();
        String siteUrl = site.baseUrl() + "/moodle-" + UUID.randomUUID().toString().substring(0, 8);
        String identifier = UUID.randomUUID().toString().replace("-", "") + "127.0.0.1";
        String secret = identifier + "20250811093015";

        // 1. The admin's browser at the hub's registration page (Moodle's 303), the file served, Verify pressed.
        String query = "token=" + raw(secret) + "&url=" + raw(siteUrl) + "&policyagreed=1&language=en&countrycode=AU&privacy=named"
                + "&contactemail=" + raw("admin@example.org") + "&emailalert=1&emailalertemail&commnews=0&commnewsemail"
                + "&contactname=" + raw("Admin User") + "&name=" + raw("IT Moodle") + "&courses=3&users=100&activeusers=10";
        URI page = URI.create(hub.base() + "local/hub/siteregistration.php?" + query);
        Answer shown = hub.exchange(HttpRequest.newBuilder(page).GET().build());
        assertThat(shown.status()).as(shown.toString()).isEqualTo(200);
        String challengeUrl = element(shown.body(), "challenge-url");
        site.serve(URI.create(challengeUrl).getPath(), element(shown.body(), "challenge-content"));
        String cookie = shown.raw().headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("mph_csrf=")).findFirst().orElseThrow();
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(shown.body());
        assertThat(csrf.find()).isTrue();
        Answer verified = hub.exchange(HttpRequest.newBuilder(page).header("Cookie", cookie.substring(0, cookie.indexOf(';')))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf.group(1))).build());
        assertThat(verified.status()).as(verified.toString()).isEqualTo(303);
        Map<String, String> confirm = query(URI.create(verified.header("Location")).getRawQuery());
        assertThat(confirm.get("token")).isEqualTo(secret);
        String wsToken = confirm.get("newtoken");

        // 2. Moodle's AirNotifier plugin: POST /accesskeys/ (multipart) with siteid = md5($CFG->siteidentifier).
        Answer key = moodle(gateway, "accesskeys/", "none", Map.of("url", siteUrl, "siteid", md5(identifier),
                "contact", "admin@example.org", "description", siteUrl), null);
        assertThat(key.status()).as(key.toString()).isEqualTo(200);
        String accessKey = key.get("accesskey");
        // Later versions send md5(get_secret()): granted too; anything else is refused.
        assertThat(moodle(gateway, "accesskeys/", "none", Map.of("url", siteUrl, "siteid", md5(secret)), null).status()).isEqualTo(200);
        assertThat(moodle(gateway, "accesskeys/", "none", Map.of("url", siteUrl, "siteid", md5(identifier + "x")), null).status()).isEqualTo(403);

        // 3. A device, a push, delivered.
        String device = apns.registerDeviceToken();
        Answer registered = moodle(gateway, "tokens/" + device, accessKey, Map.of("device", "ios"), null);
        assertThat(registered.get("status")).as(registered.toString()).isEqualTo("ok");
        assertThat(push(gateway, accessKey, device, "first").status()).isBetween(200, 202);
        await("the push at the mock APNs", () -> apns.accepted().stream().anyMatch(r -> r.deviceToken().equals(device) && r.payload().contains("first")));

        // 4. The site reports more users than the hub serves: after the grace period its sends are refused.
        assertThat(ws(wsToken, "hub_update_site_info", "siteinfo%5Burl%5D=" + enc(siteUrl) + "&siteinfo%5Busers%5D=5000")).isEqualTo("true");
        Answer[] refused = new Answer[1];
        await("the gateway refusing the over-quota site", () -> {
            refused[0] = push(gateway, accessKey, device, "while over quota");
            return refused[0].status() == 403;
        });
        assertThat(refused[0].get("code")).isEqualTo("quota-exceeded");
        assertThat(refused[0].get("error")).isNotBlank();

        // 5. Back under the limit: sends accepted again.
        assertThat(ws(wsToken, "hub_update_site_info", "siteinfo%5Burl%5D=" + enc(siteUrl) + "&siteinfo%5Busers%5D=200")).isEqualTo("true");
        await("the gateway accepting the site again", () -> push(gateway, accessKey, device, "back").status() < 300);
        await("the push after the quota was lifted", () -> apns.accepted().stream().anyMatch(r -> r.deviceToken().equals(device) && r.payload().contains("back")));
    }

    static Answer push(HttpJson gateway, String key, String device, String text) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("processor", "moodle");
        extra.put("notification", 1);
        extra.put("sitefullname", "IT Moodle");
        extra.put("smallmessage", text);
        extra.put("usertoid", "3");
        return moodle(gateway, "api/v2/push/", key, null, JSONObjectUtils.toJSONString(Map.of("device", "ios", "token", device, "extra", extra)));
    }

    static String ws(String token, String function, String data) {
        Answer a = hub.send("POST", "local/hub/webservice/webservices.php", "wstoken=" + token + "&wsfunction=" + function
                + "&moodlewsrestformat=json&" + data, null, "application/x-www-form-urlencoded");
        assertThat(a.status()).isEqualTo(200);
        return a.body();
    }

    /** A request as Moodle's airnotifier plugin makes it (multipart for form fields, raw JSON for a push). */
    static Answer moodle(HttpJson gateway, String path, String key, Map<String, String> multipart, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json").header("X-AN-APP-NAME", "commoodlemoodlemobile").header("X-AN-APP-KEY", key);
        if (multipart != null) {
            String boundary = "------------------------" + UUID.randomUUID().toString().replace("-", "");
            StringBuilder sb = new StringBuilder();
            multipart.forEach((name, value) -> sb.append("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(name).append("\"\r\n\r\n").append(value).append("\r\n"));
            sb.append("--").append(boundary).append("--\r\n");
            b.header("Content-Type", "multipart/form-data; boundary=" + boundary).POST(HttpRequest.BodyPublishers.ofString(sb.toString()));
        } else {
            b.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body));
        }
        return gateway.exchange(b.build());
    }

    static String element(String html, String id) {
        Matcher m = Pattern.compile("id=\"" + id + "\">([^<]*)<").matcher(html);
        assertThat(m.find()).as("element #" + id).isTrue();
        return m.group(1).replace("&amp;", "&");
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    static void await(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(condition);
    }

    static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String raw(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
