package net.moodlepushhub.gateway.e2e;

import net.moodlepushhub.testsupport.FakeFcmServer;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.TestStack.RegisteredSite;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the gateway does about a site's conduct, together with the hub: the daily broadcast limit (429 with
 * RateLimit headers, usage reported to the hub), the automatic abuse report of a site sending to many dead tokens,
 * and notifications held while the hub's operator has the site suspended.
 */
class SiteLimitsIT extends GatewayStackTest {

    @Test
    @SuppressWarnings("unchecked")
    void aSiteOverItsLimitGets429WithRateLimitHeadersAndSeesItOnTheHub() {
        RegisteredSite d = register();
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
        Map<String, Object>[] broadcasts = new Map[1];
        awaitUntil(Duration.ofSeconds(15), "usage reported to the hub", () -> {
            Answer status = hub.send("GET", "api/v1/sites/" + d.id(), null, d.managementToken());
            for (Map<String, Object> u : (List<Map<String, Object>>) status.json().get("usage")) {
                if ("broadcasts-day".equals(u.get("limit"))) {
                    broadcasts[0] = u;
                }
            }
            return broadcasts[0] != null;
        });
        assertThat(broadcasts[0].get("remaining")).isEqualTo(0L);
        assertThat(broadcasts[0].get("nearLimit")).isEqualTo(true);
        // Another site's bucket is its own.
        assertThat(gateway.send("POST", "api/v1/broadcasts", json(Map.of("alert", "other site")), register().siteKey()).status()).isEqualTo(202);
    }

    @Test
    void aSiteSendingToManyDeadTokensIsReportedToTheHubAutomatically() {
        RegisteredSite e = register();
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String t = apns.registerDeviceToken();
            registerConfirmed(e, t, "ios");
            if (i < 5) {
                apns.unregister(t, Instant.now().minusSeconds(60));
            }
            tokens.add(t);
        }
        Answer sent = send(e.siteKey(), tokens, "to live and dead tokens");
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        String reports = "select count(*) from abuse_report where site_id = ? and category = 'spam' and reporter_contact = 'push-gateway'";
        awaitUntil(Duration.ofSeconds(20), "automatic abuse report filed with the hub", () -> stack.countInHub(reports, e.id()) > 0);
        assertThat(stack.countInHub(reports, e.id())).as("automatic abuse reports").isEqualTo(1);
    }

    @Test
    void aSuspendedSitesNotificationsAreHeldAndSentWhenItIsReinstated() throws Exception {
        RegisteredSite f = register();
        String token = FakeFcmServer.randomToken();
        registerConfirmed(f, token, "Android-fcm");
        String admin = stack.adminToken();
        // The first attempt is throttled, so the notification is still undelivered when the site is suspended.
        fcm.throttle(1, "3");
        Answer sent = send(f.siteKey(), List.of(token), "held while suspended");
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        String id = sent.get("notificationId");
        awaitGatewayDb("the throttled first attempt", "select count(*) from delivery where notification_id = ? and attempts = 1 and status = 'QUEUED'", id);
        int before = fcm.receivedFor(token);

        Answer suspended = hub.send("POST", "api/v1/admin/sites/" + f.id() + "/suspend", json(Map.of("reason", "IT")), admin);
        assertThat(suspended.status()).as(suspended.toString()).isEqualTo(200);
        awaitGatewayDb("the delivery held", "select count(*) from delivery where notification_id = ? and status = 'HELD'", id);
        assertThat(fcm.receivedFor(token)).isEqualTo(before);
        assertProblem(gateway.send("GET", "api/v1/deliveries", null, f.siteKey()), 403, "site-suspended");

        Answer reinstated = hub.send("POST", "api/v1/admin/sites/" + f.id() + "/reinstate", json(Map.of("reason", "IT")), admin);
        assertThat(reinstated.status()).as(reinstated.toString()).isEqualTo(200);
        awaitGatewayDb("the delivery sent after reinstatement", "select count(*) from delivery where notification_id = ? and status = 'DELIVERED'", id);
        assertThat(fcm.receivedFor(token)).isEqualTo(before + 1);
    }
}
