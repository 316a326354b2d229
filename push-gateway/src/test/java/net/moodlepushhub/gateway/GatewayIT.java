package net.moodlepushhub.gateway;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import net.moodlepushhub.testsupport.FakeFcmServer;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HubAdmin;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.SiteRegistrar;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway end to end: the gateway in a real Payara Micro (Arquillian), the real hub in a second Payara Micro
 * ({@link PayaraMicroProcess}), both on the real MariaDB, sites registered on the hub through its API (a
 * {@link StandInSite} serves the challenge), deliveries to Pushy's {@code MockApnsServer} (TLS, HTTP/2, token
 * authentication checked) and to a fake FCM HTTP v1 with its OAuth2 token endpoint.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayIT {

    static final String DB_URL = System.getProperty("it.db.url");
    static final String HUB_DB_URL = System.getProperty("it.hub.db.url");
    static final String DB_USER = System.getProperty("it.db.user", "root");
    static final String DB_PASSWORD = System.getProperty("it.db.password", "");
    static final String FEED_TOKEN = "gateway-it-feed-token";
    static final String PROBLEM_JSON = "application/problem+json";
    static final String TYPE_PREFIX = "https://moodle-push-hub.org/problems/";
    /** The hub's public URL: the issuer of its keys, and not where the gateway reaches it. */
    static final String HUB_PUBLIC_URL = "http://hub.test";

    static StandInSite site;
    static MockApnsFixture apns;
    static FakeFcmServer fcm;
    static PayaraMicroProcess hubProcess;
    static HttpJson hub;

    /** A site registered on the hub, with its keys. */
    record Site(String id, String url, String moodleSiteId, String siteKey, String deviceKey, String moodleKey, String managementToken) {
    }

    static Site siteA;
    static Site siteB;

    @ArquillianResource
    URL base;

    HttpJson gateway;

    /**
     * Starts what the gateway talks to, then hands the gateway its configuration: the properties file that
     * arquillian.xml passes to Payara Micro with {@code --systemproperties}.
     */
    @Deployment(testable = false)
    static WebArchive deployment() throws Exception {
        MariaDbDatabases.recreate(DB_URL, DB_USER, DB_PASSWORD);
        MariaDbDatabases.recreate(HUB_DB_URL, DB_USER, DB_PASSWORD);
        Path work = Path.of(System.getProperty("gateway.it.properties")).getParent();
        Files.createDirectories(work);
        site = new StandInSite(0);
        apns = MockApnsFixture.start();
        fcm = FakeFcmServer.start();
        Path p8 = apns.writeFiles(work);
        Path serviceAccount = work.resolve("fcm-service-account.json");
        Files.writeString(serviceAccount, fcm.serviceAccountJson());

        int hubPort = PayaraMicroProcess.freePort();
        Map<String, String> hubConfig = StackConfig.hub(HUB_DB_URL, DB_USER, DB_PASSWORD, hubPort, site, FEED_TOKEN);
        // The keys name the hub by its public URL, which is not the address the gateway reaches it by (as behind a
        // reverse proxy or in a container network): the gateway must take the issuer from the hub's metadata.
        hubConfig.put("hub.public-url", HUB_PUBLIC_URL);
        hubProcess = new PayaraMicroProcess(Path.of(System.getProperty("payara.microJar")), Path.of(System.getProperty("hub.war")),
                hubPort, work.resolve("hub.log"), hubConfig).start();
        hub = new HttpJson(hubProcess.baseUrl());

        Properties gw = new Properties();
        gw.putAll(StackConfig.gateway(DB_URL, DB_USER, DB_PASSWORD, hubProcess.baseUrl(), FEED_TOKEN, apns, work));
        gw.setProperty("gateway.fcm.service-account-file", serviceAccount.toString());
        gw.setProperty("gateway.fcm.base-url", fcm.baseUrl());
        gw.setProperty("gateway.fcm.token-uri", fcm.tokenUri());
        // Quick retries, so the retry tests take seconds.
        gw.setProperty("gateway.delivery.retry-base", "PT0.2S");
        gw.setProperty("gateway.delivery.retry-cap", "PT1S");
        gw.setProperty("gateway.delivery.max-attempts", "3");
        // Small limits and a fast abuse check, so the tests can cross them.
        gw.setProperty("gateway.quota.broadcasts-per-day", "3");
        gw.setProperty("gateway.abuse.check-interval", "PT1S");
        gw.setProperty("gateway.quota.report-interval", "PT1S");
        gw.setProperty("gateway.stats.report-interval", "PT1S");
        gw.setProperty("gateway.stats.devices-interval", "PT1S");
        gw.setProperty("gateway.abuse.min-sample", "8");
        try (OutputStream out = Files.newOutputStream(Path.of(System.getProperty("gateway.it.properties")))) {
            gw.store(out, "GatewayIT: written by the @Deployment method");
        }

        siteA = register(md5("site-a-" + UUID.randomUUID()));
        siteB = register(md5("site-b-" + UUID.randomUUID()));
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("gateway.war")));
    }

    @AfterAll
    static void stopPeers() {
        StackConfig.closeAll(hubProcess, apns, fcm, site);
    }

    @BeforeEach
    void client() {
        gateway = new HttpJson(base.toString());
    }

    // ---------------------------------------------------------------- the hub's issuer

    @Test
    @Order(0)
    void keysAreAcceptedWhenTheGatewayReachesTheHubByAnotherUrlThanItsPublicOne() throws Exception {
        Answer v1 = gateway.send("GET", "api/v1/deliveries", null, siteA.siteKey());
        assertThat(v1.status()).as(v1.toString()).isEqualTo(200);
        Answer legacy = moodle("POST", "tokens/" + apns.registerDeviceToken(), siteA.moodleKey(), Map.of("device", "ios"), null);
        assertThat(legacy.status()).as(legacy.toString()).isEqualTo(200);

        Answer metadata = hub.send("GET", ".well-known/moodle-push-hub", null, null);
        assertThat(metadata.status()).as(metadata.toString()).isEqualTo(200);
        assertThat(metadata.get("issuer")).isEqualTo(HUB_PUBLIC_URL);
        assertThat(metadata.get("jwks_uri")).isEqualTo(HUB_PUBLIC_URL + "/.well-known/jwks.json");
        assertThat(metadata.get("revocation_feed_endpoint")).isEqualTo(HUB_PUBLIC_URL + "/api/v1/revocations");
        assertThat(metadata.get("audience")).isEqualTo("moodle-push-gateway");
        assertThat(SignedJWT.parse(siteA.siteKey()).getJWTClaimsSet().getIssuer()).isEqualTo(HUB_PUBLIC_URL)
                .isNotEqualTo(hubProcess.baseUrl().replaceAll("/$", ""));

        // The operator sees which issuer the gateway expects, and from where.
        Answer health = new HttpJson(serverRoot()).send("GET", "health", null, null);
        Map<String, Object> keysCheck = ((List<Map<String, Object>>) health.json().get("checks")).stream()
                .filter(c -> "access-keys".equals(c.get("name"))).findFirst().orElseThrow(() -> new AssertionError(health.toString()));
        Map<String, Object> data = (Map<String, Object>) keysCheck.get("data");
        assertThat(data).as(health.toString()).containsEntry("issuer", HUB_PUBLIC_URL);
        assertThat((String) data.get("issuerSource")).contains("/.well-known/moodle-push-hub");
    }

    // ---------------------------------------------------------------- Moodle compatibility (AirNotifier API)

    @Test
    @Order(1)
    void moodleChecksTheServerIsOnline() {
        Answer root = moodle("GET", "", null, null, null);
        assertThat(root.status()).as(root.toString()).isEqualTo(200);
    }

    @Test
    @Order(2)
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
    @Order(3)
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

        await(Duration.ofSeconds(15), "two notifications at the mock APNs for " + ios, () -> acceptedFor(ios).size() >= 2);
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
            await(Duration.ofSeconds(15), device + " push at the fake FCM", () -> fcm.receivedFor(token) == 1);
        }
    }

    @Test
    @Order(4)
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
    @Order(5)
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

    // ---------------------------------------------------------------- the v1 API

    static String confirmedApns;
    static String channelToken;

    @Test
    @Order(10)
    void aDeviceKeyRegistersUnconfirmedTokensThatOnlyTheSiteKeyMakesReachable() {
        String token = apns.registerDeviceToken();
        Answer byDevice = gateway.send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), siteA.deviceKey());
        assertThat(byDevice.status()).as(byDevice.toString()).isEqualTo(201);
        assertThat(byDevice.json()).containsEntry("confirmed", false);

        Answer unreachable = send(siteA.siteKey(), List.of(token), "not yet");
        assertThat(recipientStatuses(unreachable)).containsExactly("not_registered");

        Answer bySite = gateway.send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), siteA.siteKey());
        assertThat(bySite.status()).as(bySite.toString()).isEqualTo(201);
        assertThat(bySite.json()).containsEntry("confirmed", true);
        Answer again = gateway.send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), siteA.siteKey());
        assertThat(again.status()).isEqualTo(200);

        Answer sent = send(siteA.siteKey(), List.of(token), "now reachable");
        assertThat(recipientStatuses(sent)).containsExactly("queued");
        awaitSettled(siteA, sent.get("notificationId"));
        assertThat(acceptedFor(token)).hasSize(1);
        confirmedApns = token;

        channelToken = apns.registerDeviceToken();
        registerConfirmed(siteA, channelToken, "ios");
        Answer subscribed = gateway.send("POST", "api/v1/tokens/" + channelToken + "/channels", json(Map.of("channels", List.of("course-42", "staff"))), siteA.siteKey());
        assertThat(subscribed.status()).as(subscribed.toString()).isEqualTo(200);
        Answer notMine = gateway.send("POST", "api/v1/tokens/" + channelToken + "/channels", json(Map.of("channels", List.of("x"))), siteB.siteKey());
        assertProblem(notMine, 404, "token-not-registered");
    }

    @Test
    @Order(11)
    void aSendReachesAThousandRecipientsWithAResultForEach() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 990; i++) {
            String t = apns.registerDeviceToken();
            registerConfirmed(siteA, t, "ios");
            tokens.add(t);
        }
        List<String> unknown = IntStream.range(0, 10).mapToObj(i -> MockApnsFixture.randomToken()).toList();
        List<String> all = new ArrayList<>(tokens);
        for (int i = 0; i < unknown.size(); i++) {
            all.add(i * 97, unknown.get(i));
        }
        assertThat(all).hasSize(1000);
        Answer sent = send(siteA.siteKey(), all, "to a thousand");
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        List<Map<String, Object>> results = recipients(sent);
        assertThat(results).hasSize(1000);
        for (int i = 0; i < all.size(); i++) {
            assertThat(results.get(i).get("token")).isEqualTo(all.get(i));
            assertThat(results.get(i).get("status")).isEqualTo(unknown.contains(all.get(i)) ? "not_registered" : "queued");
        }
        assertThat(sent.json().get("queued")).isEqualTo(990L);
        Map<String, Object> state = awaitSettled(siteA, sent.get("notificationId"));
        assertThat(counts(state)).containsEntry("delivered", 990L);
        Map<String, Long> atMock = apns.accepted().stream().filter(r -> r.payload().contains("to a thousand"))
                .collect(Collectors.groupingBy(MockApnsFixture.Received::deviceToken, Collectors.counting()));
        assertThat(atMock.keySet()).containsExactlyInAnyOrderElementsOf(tokens);
        assertThat(atMock.values()).allMatch(n -> n == 1);

        Answer tooMany = send(siteA.siteKey(), IntStream.range(0, 1001).mapToObj(i -> MockApnsFixture.randomToken()).toList(), "too many");
        assertProblem(tooMany, 422, "too-many-recipients");
    }

    @Test
    @Order(12)
    void broadcastsReachTheDefaultChannelAndNamedChannels() {
        long confirmed = MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD,
                "select count(*) from device_token where site_id = ? and confirmed = true", siteA.id());
        Answer all = gateway.send("POST", "api/v1/broadcasts", json(Map.of("alert", "broadcast to everyone")), siteA.siteKey());
        assertThat(all.status()).as(all.toString()).isEqualTo(202);
        assertThat(((Number) all.json().get("recipients")).longValue()).isEqualTo(confirmed).isGreaterThan(990);
        Map<String, Object> state = awaitSettled(siteA, all.get("notificationId"));
        assertThat(counts(state)).containsEntry("delivered", confirmed);

        Answer channel = gateway.send("POST", "api/v1/broadcasts", json(Map.of("channel", "course-42", "alert", "to course 42")), siteA.siteKey());
        assertThat(channel.status()).as(channel.toString()).isEqualTo(202);
        assertThat(channel.json().get("recipients")).isEqualTo(1L);
        awaitSettled(siteA, channel.get("notificationId"));
        assertThat(apns.accepted().stream().filter(r -> r.payload().contains("to course 42")).map(MockApnsFixture.Received::deviceToken))
                .containsExactly(channelToken);
    }

    @Test
    @Order(13)
    void tokensThePushServicesRejectAreDeletedAndListed() {
        String unregistered = apns.registerDeviceToken();
        String bad = MockApnsFixture.randomToken() + "ab"; // hexadecimal, but no APNs token: BadDeviceToken
        String otherApp = MockApnsFixture.randomToken(); // unknown for this topic: DeviceTokenNotForTopic
        String fcmGone = FakeFcmServer.randomToken();
        registerConfirmed(siteA, unregistered, "ios");
        registerConfirmed(siteA, bad, "ios");
        registerConfirmed(siteA, otherApp, "ios");
        registerConfirmed(siteA, fcmGone, "Android-fcm");
        apns.unregister(unregistered, Instant.now().minusSeconds(60));
        fcm.markUnregistered(fcmGone);

        Answer sent = send(siteA.siteKey(), List.of(unregistered, bad, otherApp, fcmGone), "to dead tokens");
        Map<String, Object> state = awaitSettled(siteA, sent.get("notificationId"));
        assertThat(counts(state)).containsEntry("invalid_token", 4L);

        Answer listed = gateway.send("GET", "api/v1/invalidated-tokens", null, siteA.siteKey());
        assertThat(listed.status()).as(listed.toString()).isEqualTo(200);
        Map<String, String> reasons = ((List<Map<String, Object>>) listed.json().get("tokens")).stream()
                .collect(Collectors.toMap(m -> (String) m.get("token"), m -> (String) m.get("reason"), (a, b) -> a));
        assertThat(reasons).containsKeys(unregistered, bad, otherApp, fcmGone);
        assertThat(reasons.get(unregistered)).isEqualTo("Unregistered");
        assertThat(reasons.get(bad)).isEqualTo("BadDeviceToken");
        assertThat(reasons.get(fcmGone)).startsWith("UNREGISTERED");
        System.out.println("[GatewayIT] invalidation reasons: " + reasons.values());
        // Deleted: the site can no longer reach them.
        assertThat(recipientStatuses(send(siteA.siteKey(), List.of(unregistered, bad, otherApp, fcmGone), "again"))).containsOnly("not_registered");
    }

    @Test
    @Order(14)
    void fcmThrottlingIsRetriedAfterRetryAfter() {
        String token = FakeFcmServer.randomToken();
        registerConfirmed(siteA, token, "Android-fcm");
        fcm.throttle(1, "1");
        Answer sent = send(siteA.siteKey(), List.of(token), "throttled once");
        Map<String, Object> state = awaitSettled(siteA, sent.get("notificationId"));
        assertThat(counts(state)).containsEntry("delivered", 1L);
        Map<String, Object> delivery = ((List<Map<String, Object>>) state.get("deliveries")).get(0);
        assertThat(((Number) delivery.get("attempts")).intValue()).isEqualTo(2);
        assertThat(fcm.receivedFor(token)).isEqualTo(1);
    }

    @Test
    @Order(15)
    void aPermanentFailureIsListedAndCanBeRetried() {
        String token = FakeFcmServer.randomToken();
        registerConfirmed(siteA, token, "Android-fcm");
        fcm.failNext(new FakeFcmServer.Scripted(400, "INVALID_ARGUMENT", null));
        Answer sent = send(siteA.siteKey(), List.of(token), "fails once");
        String id = sent.get("notificationId");
        assertThat(counts(awaitSettled(siteA, id))).containsEntry("failed", 1L);

        Answer failed = gateway.send("GET", "api/v1/deliveries?status=failed", null, siteA.siteKey());
        assertThat(failed.status()).as(failed.toString()).isEqualTo(200);
        assertThat((List<Map<String, Object>>) failed.json().get("deliveries")).anySatisfy(d -> {
            assertThat(d.get("notificationId")).isEqualTo(id);
            assertThat(d.get("token")).isEqualTo(token);
        });

        Answer retried = gateway.send("POST", "api/v1/notifications/" + id + "/retry", null, siteA.siteKey());
        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(retried.json().get("requeued")).isEqualTo(1L);
        assertThat(counts(awaitSettled(siteA, id))).containsEntry("delivered", 1L);
        assertThat(fcm.receivedFor(token)).isEqualTo(1);
    }

    @Test
    @Order(16)
    void aSiteSeesOnlyItsOwnNotifications() {
        Answer sent = send(siteA.siteKey(), List.of(confirmedApns), "mine");
        Answer other = gateway.send("GET", "api/v1/notifications/" + sent.get("notificationId"), null, siteB.siteKey());
        assertProblem(other, 404, "notification-not-found");
        awaitSettled(siteA, sent.get("notificationId"));
    }

    // ---------------------------------------------------------------- attacks

    @Test
    @Order(20)
    void aDeviceKeyCannotSend() {
        Answer answer = send(siteA.deviceKey(), List.of(confirmedApns), "device key sends");
        assertProblem(answer, 403, "insufficient-scope");
        assertProblem(gateway.send("POST", "api/v1/broadcasts", json(Map.of("alert", "x")), siteA.deviceKey()), 403, "insufficient-scope");
        Answer legacy = moodle("POST", "api/v2/push/", siteA.deviceKey(), null,
                JSONObjectUtils.toJSONString(Map.of("device", "ios", "token", confirmedApns, "extra", Map.of("smallmessage", "x"))), null);
        assertProblem(legacy, 403, "insufficient-scope");
    }

    @Test
    @Order(21)
    void aSiteCannotReachAnotherSitesToken() throws Exception {
        int before = acceptedFor(confirmedApns).size();
        Answer answer = send(siteB.siteKey(), List.of(confirmedApns), "from site B");
        assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
        assertThat(recipientStatuses(answer)).containsExactly("not_registered");
        assertThat(answer.json().get("notificationId")).isNull();
        Answer legacy = moodle("POST", "api/v2/push/", siteB.moodleKey(), null,
                JSONObjectUtils.toJSONString(Map.of("device", "ios", "token", confirmedApns, "extra", Map.of("smallmessage", "from B"))), null);
        assertProblem(legacy, 404, "token-not-registered");
        Thread.sleep(1000);
        assertThat(acceptedFor(confirmedApns)).hasSize(before);
        assertThat(apns.received().stream().filter(r -> r.payload().contains("from site B") || r.payload().contains("from B"))).isEmpty();
    }

    @Test
    @Order(22)
    void forgedAndTamperedKeysAreRefused() throws Exception {
        SignedJWT real = SignedJWT.parse(siteA.siteKey());
        JWTClaimsSet claims = real.getJWTClaimsSet();
        String kid = real.getHeader().getKeyID();

        // alg: none
        String none = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"mph-site+jwt\",\"kid\":\"" + kid + "\"}").toString()
                + "." + real.getParsedParts()[1] + ".";
        assertInvalidKey(none, "alg none");

        // HS256 keyed with the hub's public key (the classic algorithm-confusion attack), in several encodings.
        Map<String, Object> jwks = JSONObjectUtils.parse(hub.send("GET", ".well-known/jwks.json", null, null).body());
        ECKey hubPublic = ECKey.parse(JSONObjectUtils.toJSONString(((List<Map<String, Object>>) jwks.get("keys")).get(0)));
        List<byte[]> secrets = List.of(hubPublic.toJSONString().getBytes(StandardCharsets.UTF_8), hubPublic.toECPublicKey().getEncoded(),
                pad32(hubPublic.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
        for (byte[] secret : secrets) {
            SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType("mph-site+jwt")).keyID(kid).build(), claims);
            hs.sign(new MACSigner(pad32(secret)));
            assertInvalidKey(hs.serialize(), "HS256 with the public key");
        }

        // A key pair of our own, announced with the hub's kid.
        ECKey forger = new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        assertInvalidKey(sign(forger, "mph-site+jwt", claims), "forged signature");

        // The typ header swapped on a real device key: the signature no longer matches.
        SignedJWT device = SignedJWT.parse(siteA.deviceKey());
        String swappedHeader = Base64URL.encode(JSONObjectUtils.toJSONString(withTyp(device.getHeader().toJSONObject(), "mph-site+jwt"))).toString();
        assertInvalidKey(swappedHeader + "." + device.getParsedParts()[1] + "." + device.getParsedParts()[2], "typ swapped");

        // Keys signed with the hub's real private key (read from its database), each wrong in one way.
        // Stored encrypted: read through the same decryption the hub uses, with the KEK the hub was given.
        ECKey hubKey = hubSigningKey(kid);
        Instant now = Instant.now();
        // Control: a correct key made this way is accepted, so the refusals below are due to the one change.
        String control = sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).jwtID(UUID.randomUUID().toString()).build());
        assertThat(gateway.send("GET", "api/v1/deliveries", null, control).status()).isEqualTo(200);

        Answer expired = gateway.send("GET", "api/v1/deliveries", null, sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims)
                .issueTime(Date.from(now.minusSeconds(7200))).notBeforeTime(Date.from(now.minusSeconds(7200)))
                .expirationTime(Date.from(now.minusSeconds(3600))).build()));
        assertProblem(expired, 401, "invalid-key");
        assertThat(expired.get("reason")).isEqualTo("expired");
        assertInvalidKey(sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).audience("another-gateway").build()), "wrong aud");
        assertInvalidKey(sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).issuer("http://evil.test").build()), "wrong iss");
        // A device key's claims with the site typ, validly signed: its scope is not a site key's.
        assertInvalidKey(sign(hubKey, "mph-site+jwt", device.getJWTClaimsSet()), "device claims as a site key");
        // A site key's claims with the device typ: a device key may not claim send.
        assertInvalidKey(sign(hubKey, "mph-device+jwt", claims), "site claims as a device key");
        // Moodle's form of a forged key is refused the same way.
        assertThat(moodle("POST", "tokens/testtoken", Base64.getUrlEncoder().withoutPadding().encodeToString(
                sign(forger, "mph-site+jwt", claims).getBytes(StandardCharsets.US_ASCII)), null, "", null).get("error")).isEqualTo("Invalid access key");
    }

    @Test
    @Order(23)
    void requestProblemsAreProblemDocuments() {
        Answer missing = gateway.send("POST", "api/v1/notifications", json(Map.of("tokens", List.of(confirmedApns), "alert", "x")), null);
        assertProblem(missing, 401, "missing-key");
        assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");

        Answer badJson = gateway.send("POST", "api/v1/notifications", "{\"tokens\": [", siteA.siteKey());
        assertProblem(badJson, 400, "malformed-json");
        Answer legacyBadJson = moodle("POST", "api/v2/push/", siteA.moodleKey(), null, "{not json", "application/x-www-form-urlencoded");
        assertProblem(legacyBadJson, 400, "malformed-json");

        String huge = "{\"tokens\":[\"" + confirmedApns + "\"],\"alert\":\"" + "x".repeat(1024 * 1024 + 10) + "\"}";
        Answer tooLarge = gateway.send("POST", "api/v1/notifications", huge, siteA.siteKey());
        assertProblem(tooLarge, 413, "payload-too-large");

        Answer unknownStatus = gateway.send("GET", "api/v1/deliveries?status=lost", null, siteA.siteKey());
        assertProblem(unknownStatus, 400, "invalid-parameter");
        Answer notFound = gateway.send("GET", "api/v1/nothing-here", null, siteA.siteKey());
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.contentType()).startsWith(PROBLEM_JSON);
    }

    @Test
    @Order(23)
    void refusalsAreCountedInMetricsByReason() throws Exception {
        Map<String, Double> before = refusalCounts();
        SignedJWT real = SignedJWT.parse(siteA.siteKey());
        JWTClaimsSet claims = real.getJWTClaimsSet();
        ECKey unknownKid = new ECKeyGenerator(Curve.P_256).keyID("not-the-hubs").generate();
        ECKey forger = new ECKeyGenerator(Curve.P_256).keyID(real.getHeader().getKeyID()).generate();
        ECKey hubKey = hubSigningKey(real.getHeader().getKeyID());
        Instant now = Instant.now();
        String expired = sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now.minusSeconds(7200))).notBeforeTime(Date.from(now.minusSeconds(7200)))
                .expirationTime(Date.from(now.minusSeconds(3600))).build());
        String wrongIssuer = sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).jwtID(UUID.randomUUID().toString())
                .issuer(hubProcess.baseUrl().replaceAll("/$", "")).build());
        String wrongAudience = sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).jwtID(UUID.randomUUID().toString())
                .audience("another-gateway").build());
        Map<String, String> keys = Map.of(
                "unknown-kid", sign(unknownKid, "mph-site+jwt", claims),
                "bad-signature", sign(forger, "mph-site+jwt", claims),
                "expired", expired,
                "wrong-issuer", wrongIssuer,
                "wrong-audience", wrongAudience,
                "wrong-type", sign(hubKey, "JWT", claims));
        for (Map.Entry<String, String> k : keys.entrySet()) {
            for (int i = 0; i < 3; i++) {
                Answer a = gateway.send("GET", "api/v1/deliveries", null, k.getValue());
                assertProblem(a, 401, "invalid-key");
                assertThat(a.get("reason")).as(k.getKey() + ": " + a).isEqualTo(k.getKey());
            }
        }
        Map<String, Double> after = refusalCounts();
        for (String reason : keys.keySet()) {
            assertThat(after.getOrDefault(reason, 0.0) - before.getOrDefault(reason, 0.0)).as("refusals counted for " + reason).isEqualTo(3.0);
        }
    }

    /** The hub's private signing key, read from its database through the same decryption the hub uses. */
    private static ECKey hubSigningKey(String kid) throws Exception {
        return ECKey.parse(net.moodlepushhub.common.keys.KeyEncryption.fromBase64(StackConfig.TEST_KEYS_ENCRYPTION_KEY)
                .decrypt(MariaDbDatabases.string(HUB_DB_URL, DB_USER, DB_PASSWORD, "select private_jwk from signing_key where kid = ?", kid), kid));
    }

    /** The gateway's refusal counter by reason, from its MicroProfile Metrics endpoint (Prometheus text). */
    Map<String, Double> refusalCounts() {
        // MicroProfile Metrics 5 speaks Prometheus text only.
        Answer metrics = gateway.exchange(HttpRequest.newBuilder(URI.create(serverRoot() + "metrics")).header("Accept", "text/plain").GET().build());
        assertThat(metrics.status()).as(metrics.toString()).isEqualTo(200);
        Map<String, Double> counts = new LinkedHashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^gateway_keys_refused_total\\{[^}]*reason=\"([^\"]+)\"[^}]*\\}\\s+(\\S+)")
                .matcher(metrics.body());
        while (m.find()) {
            counts.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return counts;
    }

    /** The gateway's server root (health and metrics live there, outside the application's context root). */
    String serverRoot() {
        return URI.create(base.toString()).resolve("/").toString();
    }

    @Test
    @Order(24)
    void concurrentDeviceRegistrationsNeverAnswer5xx() throws Exception {
        // 16 clients register 1,200 new tokens of one site, each token twice at once (a device key and the site
        // key racing for the same token, the confirm included), into the same index gaps: the pattern that
        // deadlocked when a registration locked the missing row first.
        Site s = register(md5("site-concurrent-" + UUID.randomUUID()));
        List<String> tokens = IntStream.range(0, 1200).mapToObj(i -> MockApnsFixture.randomToken()).toList();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        java.util.concurrent.ConcurrentHashMap<Integer, Integer> statuses = new java.util.concurrent.ConcurrentHashMap<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<java.util.concurrent.Future<?>> all = new ArrayList<>();
            for (String token : tokens) {
                for (String key : List.of(s.deviceKey(), s.siteKey())) {
                    all.add(pool.submit(() -> {
                        Answer a = new HttpJson(base.toString()).send("POST", "api/v1/tokens", json(Map.of("token", token, "device", "ios")), key);
                        statuses.merge(a.status(), 1, Integer::sum);
                        if (a.status() >= 500) {
                            failures.add(a.toString());
                        }
                    }));
                }
            }
            for (var f : all) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        System.out.println("[GatewayIT] 2,400 concurrent registrations by 16 clients answered " + statuses);
        assertThat(failures).as("5xx answers").isEmpty();
        assertThat(statuses.keySet()).as("answers").isSubsetOf(200, 201);
        // Every token ends up registered once and confirmed (the site key registered each one).
        assertThat(MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from device_token where site_id = ? and confirmed = true", s.id()))
                .isEqualTo(tokens.size());
        assertThat(MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from device_token where site_id = ?", s.id()))
                .isEqualTo(tokens.size());
    }

    // ---------------------------------------------------------------- revocation

    @Test
    @Order(30)
    void aRotatedKeyIsRefusedWithinOneSecond() throws Exception {
        Site c = register(md5("site-c-" + UUID.randomUUID()));
        assertThat(gateway.send("GET", "api/v1/deliveries", null, c.siteKey()).status()).isEqualTo(200);

        Answer rotated = hub.send("POST", "api/v1/sites/" + c.id() + "/keys", null, c.managementToken());
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        long start = System.nanoTime();
        long refusedAfter = -1;
        while (System.nanoTime() - start < Duration.ofSeconds(1).toNanos()) {
            Answer a = gateway.send("GET", "api/v1/deliveries", null, c.siteKey());
            if (a.status() == 401) {
                refusedAfter = Duration.ofNanos(System.nanoTime() - start).toMillis();
                assertProblem(a, 401, "invalid-key");
                assertThat(a.get("reason")).isEqualTo("revoked");
                break;
            }
            Thread.sleep(50);
        }
        System.out.println("[GatewayIT] revoked site key refused by the gateway " + refusedAfter + " ms after the hub's rotation answered");
        assertThat(refusedAfter).as("old key refused within 1 s").isBetween(0L, 1000L);
        assertThat(gateway.send("GET", "api/v1/deliveries", null, rotated.get("siteKey")).status()).isEqualTo(200);
        // The Moodle form of the old key is refused too, with Moodle's error.
        assertThat(moodle("POST", "tokens/testtoken", c.moodleKey(), null, "", null).get("error")).isEqualTo("Invalid access key");
    }

    @Test
    @Order(31)
    void aSiteOverItsLimitGets429WithRateLimitHeadersAndSeesItOnTheHub() throws Exception {
        Site d = register(md5("site-d-" + UUID.randomUUID()));
        for (int i = 0; i < 3; i++) {
            Answer ok = gateway.send("POST", "api/v1/broadcasts", json(Map.of("alert", "broadcast " + i)), d.siteKey());
            assertThat(ok.status()).as(ok.toString()).isEqualTo(202);
        }
        Answer limited = gateway.send("POST", "api/v1/broadcasts", json(Map.of("alert", "one too many")), d.siteKey());
        assertProblem(limited, 429, "rate-limited");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
        assertThat(limited.header("RateLimit-Policy")).isEqualTo("\"broadcasts-day\";q=3;w=86400");
        assertThat(limited.header("RateLimit")).startsWith("\"broadcasts-day\";r=0;t=");
        // The site's admin sees on the hub that the site is at its limit (the gateway reports usage every second).
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Map<String, Object> broadcasts = null;
        while (broadcasts == null && System.nanoTime() < deadline) {
            Answer status = hub.send("GET", "api/v1/sites/" + d.id(), null, d.managementToken());
            for (Map<String, Object> u : (List<Map<String, Object>>) status.json().get("usage")) {
                if ("broadcasts-day".equals(u.get("limit"))) {
                    broadcasts = u;
                }
            }
            Thread.sleep(200);
        }
        assertThat(broadcasts).as("usage reported to the hub").isNotNull();
        assertThat(broadcasts.get("remaining")).isEqualTo(0L);
        assertThat(broadcasts.get("nearLimit")).isEqualTo(true);
        // Another site's bucket is its own.
        assertThat(gateway.send("POST", "api/v1/broadcasts", json(Map.of("alert", "other site")), siteB.siteKey()).status()).isEqualTo(202);
    }

    @Test
    @Order(32)
    void aSiteSendingToManyDeadTokensIsReportedToTheHubAutomatically() throws Exception {
        Site e = register(md5("site-e-" + UUID.randomUUID()));
        List<String> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String t = apns.registerDeviceToken();
            registerConfirmed(e, t, "ios");
            if (i < 5) {
                apns.unregister(t, java.time.Instant.now().minusSeconds(60));
            }
            tokens.add(t);
        }
        Answer sent = send(e.siteKey(), tokens, "to live and dead tokens");
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        long reports = 0;
        while (System.nanoTime() < deadline && reports == 0) {
            reports = MariaDbDatabases.count(HUB_DB_URL, DB_USER, DB_PASSWORD,
                    "select count(*) from abuse_report where site_id = ? and category = 'spam' and reporter_contact = 'push-gateway'", e.id());
            Thread.sleep(200);
        }
        assertThat(reports).as("automatic abuse report filed with the hub").isEqualTo(1);
    }

    @Test
    @Order(33)
    void aSuspendedSitesNotificationsAreHeldAndSentWhenItIsReinstated() throws Exception {
        Site f = register(md5("site-f-" + UUID.randomUUID()));
        String token = FakeFcmServer.randomToken();
        registerConfirmed(f, token, "Android-fcm");
        String admin = HubAdmin.createAndLogin(Path.of(System.getProperty("payara.microJar")).getParent().getParent(),
                HUB_DB_URL, DB_USER, DB_PASSWORD, hub);
        // The first attempt is throttled, so the notification is still undelivered when the site is suspended.
        fcm.throttle(1, "3");
        Answer sent = send(f.siteKey(), List.of(token), "held while suspended");
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        String id = sent.get("notificationId");
        awaitDb("the throttled first attempt", "select count(*) from delivery where notification_id = ? and attempts = 1 and status = 'QUEUED'", id);
        int before = fcm.receivedFor(token);

        Answer suspended = hub.send("POST", "api/v1/admin/sites/" + f.id() + "/suspend", json(Map.of("reason", "IT")), admin);
        assertThat(suspended.status()).as(suspended.toString()).isEqualTo(200);
        awaitDb("the delivery held", "select count(*) from delivery where notification_id = ? and status = 'HELD'", id);
        assertThat(fcm.receivedFor(token)).isEqualTo(before);
        assertProblem(gateway.send("GET", "api/v1/deliveries", null, f.siteKey()), 403, "site-suspended");

        Answer reinstated = hub.send("POST", "api/v1/admin/sites/" + f.id() + "/reinstate", json(Map.of("reason", "IT")), admin);
        assertThat(reinstated.status()).as(reinstated.toString()).isEqualTo(200);
        awaitDb("the delivery sent after reinstatement", "select count(*) from delivery where notification_id = ? and status = 'DELIVERED'", id);
        assertThat(fcm.receivedFor(token)).isEqualTo(before + 1);
    }

    @Test
    @Order(34)
    void theHubsOverviewShowsWhatTheGatewayDeliveredAndItsDevices() throws Exception {
        String admin = HubAdmin.createAndLogin(Path.of(System.getProperty("payara.microJar")).getParent().getParent(),
                HUB_DB_URL, DB_USER, DB_PASSWORD, hub);
        // Site A's figures in the gateway's database (every delivery of this run, within the last two hours) and
        // in the hub's console API, compared until the gateway's delivery report has carried them over.
        String[] last = new String[1];
        await(Duration.ofSeconds(30), "the hub's figures for site A to match the gateway's", () -> {
            Map<String, Long> gw = Map.of(
                    "delivered", MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from delivery where site_id = ? and status = 'DELIVERED'", siteA.id()),
                    "failed", MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from delivery where site_id = ? and status = 'FAILED'", siteA.id()),
                    "invalidToken", MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from delivery where site_id = ? and status = 'INVALID_TOKEN'", siteA.id()),
                    "devicesTotal", MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, "select count(*) from device_token where site_id = ? and confirmed = true", siteA.id()));
            Map<String, Object> activity = hub.send("GET", "api/v1/admin/sites/" + siteA.id() + "/activity?hours=3", null, admin).json();
            Map<String, Object> totals = (Map<String, Object>) activity.get("totals");
            last[0] = "gateway " + gw + ", hub " + activity;
            return gw.get("delivered") > 990 && gw.get("invalidToken") > 0
                    && gw.get("delivered").equals(totals.get("delivered")) && gw.get("failed").equals(totals.get("failed"))
                    && gw.get("invalidToken").equals(totals.get("invalidToken")) && gw.get("devicesTotal").equals(activity.get("devicesTotal"));
        });
        System.out.println("[GatewayIT] delivery report: " + last[0]);
        Map<String, Object> overview = hub.send("GET", "api/v1/admin/overview", null, admin).json();
        assertThat(overview.get("queueNow")).as("a queue sample from the gateway").isNotNull();
        assertThat((List<Map<String, Object>>) overview.get("topSites")).extracting(m -> m.get("siteId")).contains(siteA.id());
        assertThat((List<Map<String, Object>>) overview.get("devices")).extracting(m -> m.get("platform")).contains("ios", "android-fcm");
    }

    static void awaitDb(String what, String countSql, Object arg) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, countSql, arg) == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    // ---------------------------------------------------------------- helpers

    static Site register(String moodleSiteId) {
        String url = site.baseUrl() + "/moodle-" + UUID.randomUUID();
        Map<String, Object> v = SiteRegistrar.registerAndVerify(hub, site, url,
                Map.of("name", "IT Moodle", "users", 120, "activeUsers", 40, "moodleSiteId", moodleSiteId));
        return new Site((String) v.get("siteId"), url, moodleSiteId, (String) v.get("siteKey"), (String) v.get("deviceKey"),
                (String) v.get("moodleAccessKey"), (String) v.get("managementToken"));
    }

    void registerConfirmed(Site s, String token, String device) {
        Answer a = gateway.send("POST", "api/v1/tokens", json(Map.of("token", token, "device", device)), s.siteKey());
        assertThat(a.status()).as(a.toString()).isIn(200, 201);
    }

    Answer send(String key, List<String> tokens, String alert) {
        return gateway.send("POST", "api/v1/notifications", json(Map.of("tokens", tokens, "alert", alert)), key);
    }

    /** Polls a notification until nothing of it is queued or claimed any more. */
    Map<String, Object> awaitSettled(Site s, String notificationId) {
        assertThat(notificationId).isNotNull();
        Map<String, Object>[] last = new Map[1];
        await(Duration.ofSeconds(60), "notification " + notificationId + " settled", () -> {
            Answer a = gateway.send("GET", "api/v1/notifications/" + notificationId, null, s.siteKey());
            assertThat(a.status()).as(a.toString()).isEqualTo(200);
            last[0] = a.json();
            Map<String, Long> counts = counts(last[0]);
            return counts.getOrDefault("queued", 0L) == 0 && counts.getOrDefault("claimed", 0L) == 0;
        });
        return last[0];
    }

    static Map<String, Long> counts(Map<String, Object> state) {
        Map<String, Long> out = new LinkedHashMap<>();
        ((Map<String, Object>) state.get("counts")).forEach((k, v) -> out.put(k, ((Number) v).longValue()));
        return out;
    }

    static List<Map<String, Object>> recipients(Answer a) {
        assertThat(a.status()).as(a.toString()).isEqualTo(202);
        return (List<Map<String, Object>>) a.json().get("recipients");
    }

    static List<String> recipientStatuses(Answer a) {
        return recipients(a).stream().map(m -> (String) m.get("status")).toList();
    }

    static List<MockApnsFixture.Received> acceptedFor(String token) {
        return apns.accepted().stream().filter(r -> r.deviceToken().equals(token)).toList();
    }

    void assertInvalidKey(String key, String what) {
        Answer a = gateway.send("GET", "api/v1/deliveries", null, key);
        assertThat(a.status()).as(what + ": " + a).isEqualTo(401);
        assertProblem(a, 401, "invalid-key");
        Answer legacy = moodle("POST", "tokens/testtoken", key, null, "", null);
        assertThat(legacy.get("error")).as(what + " (Moodle API): " + legacy).isEqualTo("Invalid access key");
    }

    static void assertProblem(Answer a, int status, String code) {
        assertThat(a.status()).as(a.toString()).isEqualTo(status);
        assertThat(a.contentType()).as(a.toString()).startsWith(PROBLEM_JSON);
        assertThat(a.get("type")).as(a.toString()).isEqualTo(TYPE_PREFIX + code);
        assertThat(a.get("code")).isEqualTo(code);
        assertThat(a.json().get("status")).isEqualTo((long) status);
    }

    /** A request as Moodle's airnotifier plugin makes it. */
    Answer moodle(String method, String path, String key, Map<String, String> multipart, String body) {
        return moodle(method, path, key, multipart, body, null);
    }

    Answer moodle(String method, String path, String key, Map<String, String> multipart, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.base() + path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .header("X-AN-APP-NAME", "commoodlemoodlemobile")
                .header("User-Agent", "MoodleBot/1.0");
        if (key != null) {
            b.header("X-AN-APP-KEY", key);
        }
        if (multipart != null) {
            String boundary = "------------------------" + UUID.randomUUID().toString().replace("-", "");
            StringBuilder sb = new StringBuilder();
            multipart.forEach((name, value) -> sb.append("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(name).append("\"\r\n\r\n")
                    .append(value).append("\r\n"));
            sb.append("--").append(boundary).append("--\r\n");
            b.header("Content-Type", "multipart/form-data; boundary=" + boundary);
            b.method(method, HttpRequest.BodyPublishers.ofString(sb.toString()));
        } else if (body != null) {
            if (contentType != null) {
                b.header("Content-Type", contentType);
            }
            b.method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return gateway.exchange(b.build());
    }

    static String sign(ECKey key, String typ, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(new JOSEObjectType(typ)).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    static Map<String, Object> withTyp(Map<String, Object> header, String typ) {
        Map<String, Object> copy = new LinkedHashMap<>(header);
        copy.put("typ", typ);
        return copy;
    }

    static byte[] pad32(byte[] secret) {
        return secret.length >= 32 ? secret : java.util.Arrays.copyOf(secret, 32);
    }

    static String json(Map<String, ?> map) {
        return JSONObjectUtils.toJSONString((Map<String, Object>) map);
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
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
