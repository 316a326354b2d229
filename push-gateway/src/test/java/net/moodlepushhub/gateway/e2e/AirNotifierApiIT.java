package net.moodlepushhub.gateway.e2e;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.testsupport.FakeFcmServer;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.TestStack.RegisteredSite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Moodle compatibility: the AirNotifier routes as Moodle's airnotifier plugin calls them (multipart forms, JSON
 * labelled as a form, no Content-Type), the access-key request of a registered site, deliveries to the mock APNs
 * and the fake FCM, and AirNotifier's error words on every refusal.
 */
class AirNotifierApiIT extends GatewayStackTest {

    static RegisteredSite siteA;

    @BeforeAll
    static void sites() {
        siteA = register();
    }

    @Test
    void moodleChecksTheServerIsOnline() {
        Answer root = moodle("GET", "", null, null, null);
        assertThat(root.status()).as(root.toString()).isEqualTo(200);
    }

    @Test
    void moodleRequestsAnAccessKeyForARegisteredSiteOnly() {
        Answer granted = moodle("POST", "accesskeys/", "none", Map.of("url", siteA.url(), "siteid", siteA.moodleSiteId(),
                "contact", "admin@example.org", "description", siteA.url()), null);
        assertThat(granted.status()).as(granted.toString()).isEqualTo(200);
        assertThat(granted.get("accesskey")).matches("^[A-Za-z0-9_-]+$");

        // The key works for Moodle's calls.
        Answer token = moodle("POST", "tokens/" + apns.registerDeviceToken(), granted.get("accesskey"), Map.of("device", "ios"), null);
        assertThat(token.status()).as(token.toString()).isEqualTo(200);

        Answer wrongId = moodle("POST", "accesskeys/", "none", Map.of("url", siteA.url(), "siteid", md5("someone else"),
                "contact", "admin@example.org", "description", siteA.url()), null);
        assertProblem(wrongId, 403, "site-not-verified");
        Answer unknownUrl = moodle("POST", "accesskeys/", "none", Map.of("url", site.baseUrl() + "/not-registered", "siteid", siteA.moodleSiteId(),
                "contact", "admin@example.org", "description", "x"), null);
        assertProblem(unknownUrl, 403, "site-not-verified");
    }

    @Test
    void moodleRegistersTokensAndPushesWithEitherContentType() throws Exception {
        String ios = apns.registerDeviceToken();
        Answer created = moodle("POST", "tokens/" + ios, siteA.moodleKey(), Map.of("device", "ios"), null);
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        assertThat(created.get("status")).isEqualTo("ok");
        Answer again = moodle("POST", "tokens/" + ios, siteA.moodleKey(), Map.of("device", "ios"), null);
        assertThat(again.get("status")).as(again.toString()).isEqualTo("token exists");

        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("userfromid", "2");
        extra.put("userfromfullname", "Admin User");
        extra.put("usertoid", "3");
        extra.put("processor", "moodle");
        extra.put("site", md5(siteA.url() + "student"));
        extra.put("notification", 1);
        extra.put("sitefullname", "IT Moodle");
        extra.put("smallmessage", "New forum post in Course 101");
        extra.put("courseid", "101");
        extra.put("component", "mod_forum");
        extra.put("customdata", "{\"cmid\":7}");
        String push = JSONObjectUtils.toJSONString(Map.of("device", "ios", "token", ios, "extra", extra));

        // What Moodle's curl sends for a string body: the JSON labelled as a form.
        Answer form = moodle("POST", "api/v2/push/", siteA.moodleKey(), null, push, "application/x-www-form-urlencoded");
        assertThat(form.status()).as(form.toString()).isBetween(200, 202);
        // And with no Content-Type at all.
        Answer none = moodle("POST", "api/v2/push/", siteA.moodleKey(), null, push, null);
        assertThat(none.status()).as(none.toString()).isBetween(200, 202);

        awaitUntil(Duration.ofSeconds(15), "two notifications at the mock APNs for " + ios, () -> acceptedFor(ios).size() >= 2);
        Map<String, Object> payload = JSONObjectUtils.parse(acceptedFor(ios).get(0).payload());
        Map<String, Object> aps = JSONObjectUtils.getJSONObject(payload, "aps");
        Map<String, Object> alert = JSONObjectUtils.getJSONObject(aps, "alert");
        assertThat(alert.get("body")).isEqualTo("New forum post in Course 101");
        assertThat(alert.get("title")).isEqualTo("IT Moodle");
        // Moodle's extra reaches the app untouched.
        assertThat(payload).containsEntry("courseid", "101").containsEntry("component", "mod_forum")
                .containsEntry("customdata", "{\"cmid\":7}").containsEntry("usertoid", "3");
        assertThat(acceptedFor(ios).get(0).headers()).containsEntry("apns-topic", apns.topic());

        // The app's FCM platforms go to FCM.
        for (String device : List.of("Android-fcm", "iOS-fcm")) {
            String token = FakeFcmServer.randomToken();
            Answer registered = moodle("POST", "tokens/" + token, siteA.moodleKey(), Map.of("device", device), null);
            assertThat(registered.get("status")).as(registered.toString()).isEqualTo("ok");
            String body = JSONObjectUtils.toJSONString(Map.of("device", device, "token", token, "extra", extra));
            Answer sent = moodle("POST", "api/v2/push/", siteA.moodleKey(), null, body, "application/x-www-form-urlencoded");
            assertThat(sent.status()).as(sent.toString()).isBetween(200, 202);
            awaitUntil(Duration.ofSeconds(15), device + " push at the fake FCM", () -> fcm.receivedFor(token) == 1);
        }
    }

    @Test
    void moodleCheckConfigurationTellsABadKeyFromAGoodOne() {
        Answer bad = moodle("POST", "tokens/testtoken", "ZXlKbm90LWEta2V5", null, "", null);
        assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
        assertThat(bad.get("error")).isEqualTo("Invalid access key");
        assertThat(bad.contentType()).startsWith(PROBLEM_JSON);

        // A good key: any other error (Moodle reads $response['error'] and would warn without it), AirNotifier's words.
        Answer good = moodle("POST", "tokens/testtoken", siteA.moodleKey(), null, "", null);
        assertThat(good.status()).as(good.toString()).isEqualTo(400);
        assertThat(good.get("error")).isEqualTo("Invalid token");
        assertThat(good.contentType()).startsWith(PROBLEM_JSON);
    }

    @Test
    void everyRefusalOnTheAirNotifierRoutesCarriesAnError() {
        String ios = apns.registerDeviceToken();
        Map<String, Answer> answers = new LinkedHashMap<>();
        answers.put("accesskeys: fields missing", moodle("POST", "accesskeys/", "none", Map.of("contact", "a@example.org"), null));
        answers.put("accesskeys: unknown site", moodle("POST", "accesskeys/", "none", Map.of("url", site.baseUrl() + "/nobody", "siteid", md5("nobody")), null));
        answers.put("accesskeys: wrong method", moodle("GET", "accesskeys/", "none", null, null));
        answers.put("tokens: bad key", moodle("POST", "tokens/" + ios, "bm90LWEta2V5", Map.of("device", "ios"), null));
        answers.put("tokens: no device", moodle("POST", "tokens/" + ios, siteA.moodleKey(), null, "", null));
        answers.put("tokens: unknown device", moodle("POST", "tokens/" + ios, siteA.moodleKey(), Map.of("device", "blackberry"), null));
        answers.put("tokens: not an APNs token", moodle("POST", "tokens/not-hex", siteA.moodleKey(), Map.of("device", "ios"), null));
        answers.put("tokens: bad form", moodle("POST", "tokens/" + ios, siteA.moodleKey(), null, "--x\r\n", "multipart/form-data"));
        answers.put("tokens: wrong method", moodle("GET", "tokens/" + ios, siteA.moodleKey(), null, null));
        answers.put("delete token: bad key", moodle("DELETE", "tokens/" + ios, "bm90LWEta2V5", null, null));
        answers.put("delete token: device key", moodle("DELETE", "tokens/" + ios, siteA.deviceKey(), null, null));
        String push = JSONObjectUtils.toJSONString(Map.of("device", "ios", "token", ios, "extra", Map.of("smallmessage", "x")));
        answers.put("push: bad key", moodle("POST", "api/v2/push/", "bm90LWEta2V5", null, push, null));
        answers.put("push: device key", moodle("POST", "api/v2/push/", siteA.deviceKey(), null, push, null));
        answers.put("push: not JSON", moodle("POST", "api/v2/push/", siteA.moodleKey(), null, "{not json", null));
        answers.put("push: no token", moodle("POST", "api/v2/push/", siteA.moodleKey(), null,
                JSONObjectUtils.toJSONString(Map.of("device", "ios", "extra", Map.of("smallmessage", "x"))), null));
        answers.put("push: unknown token", moodle("POST", "api/v2/push/", siteA.moodleKey(), null,
                JSONObjectUtils.toJSONString(Map.of("device", "ios", "token", MockApnsFixture.randomToken(), "extra", Map.of("smallmessage", "x"))), null));
        answers.put("push: too large", moodle("POST", "api/v2/push/", siteA.moodleKey(), null,
                "{\"token\":\"" + ios + "\",\"alert\":\"" + "x".repeat(1024 * 1024) + "\"}", null));
        answers.put("push: wrong method", moodle("GET", "api/v2/push/", siteA.moodleKey(), null, null));

        answers.forEach((what, a) -> {
            assertThat(a.status()).as(what + ": " + a).isBetween(400, 499);
            assertThat(a.contentType()).as(what + ": " + a).startsWith(PROBLEM_JSON);
            assertThat(a.json().get("error")).as(what + ": " + a).isInstanceOf(String.class);
            assertThat(a.get("error")).as(what + ": " + a).isNotBlank();
        });
        // AirNotifier's own words where it has them; "Invalid access key" only for a bad key (Moodle's test).
        assertThat(answers.get("tokens: bad key").get("error")).isEqualTo("Invalid access key");
        assertThat(answers.get("delete token: bad key").get("error")).isEqualTo("Invalid access key");
        assertThat(answers.get("push: bad key").get("error")).isEqualTo("Invalid access key");
        assertThat(answers.get("tokens: no device").get("error")).isEqualTo("Invalid token");
        assertThat(answers.get("tokens: not an APNs token").get("error")).isEqualTo("Invalid token");
        assertThat(answers.get("tokens: unknown device").get("error")).isEqualTo("Invalid device type");
        assertThat(answers.get("push: no token").get("error")).isEqualTo("Invalid token");
        assertThat(answers.get("delete token: device key").get("error")).isEqualTo("No permission to delete token");
        assertThat(answers.get("push: device key").get("error")).isEqualTo("No permission to send notification");
        answers.forEach((what, a) -> {
            if (!what.endsWith("bad key")) {
                assertThat(a.get("error")).as(what + ": " + a).isNotEqualTo("Invalid access key");
            }
        });
    }
}
