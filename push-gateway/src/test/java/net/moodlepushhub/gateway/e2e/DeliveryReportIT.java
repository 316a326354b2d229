package net.moodlepushhub.gateway.e2e;

import net.moodlepushhub.testsupport.FakeFcmServer;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.TestStack.RegisteredSite;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's delivery report reaches the hub: what the real gateway delivered for a site, and its devices, show
 * in the hub's admin overview and on the site's activity, equal to the gateway's own rows (the stack reports every
 * second).
 */
class DeliveryReportIT extends GatewayStackTest {

    @Test
    @SuppressWarnings("unchecked")
    void theHubsOverviewShowsWhatTheGatewayDeliveredAndItsDevices() throws Exception {
        RegisteredSite s = register();
        String ios1 = confirmedApnsToken(s);
        String ios2 = confirmedApnsToken(s);
        String gone = confirmedApnsToken(s);
        apns.unregister(gone, Instant.now().minusSeconds(60));
        String android = FakeFcmServer.randomToken();
        registerConfirmed(s, android, "Android-fcm");
        for (int i = 0; i < 3; i++) {
            Answer a = send(s.siteKey(), List.of(ios1, ios2, gone, android), "report " + i);
            assertThat(a.status()).as(a.toString()).isEqualTo(202);
            awaitSettled(s, a.get("notificationId"));
        }

        String admin = stack.adminToken();
        String[] last = new String[1];
        awaitUntil(Duration.ofSeconds(30), "the hub's figures for the site to match the gateway's", () -> {
            Map<String, Long> gw = Map.of(
                    "delivered", stack.countInGateway("select (select count(*) from delivery where site_id = ? and status = 'DELIVERED')"
                            + " + (select coalesce(sum(delivered), 0) from delivery_batch where site_id = ?)", s.id(), s.id()),
                    "failed", stack.countInGateway("select count(*) from delivery where site_id = ? and status = 'FAILED'", s.id()),
                    "invalidToken", stack.countInGateway("select count(*) from delivery where site_id = ? and status = 'INVALID_TOKEN'", s.id()),
                    "devicesTotal", stack.countInGateway("select count(*) from device_token where site_id = ? and confirmed = true", s.id()));
            Map<String, Object> activity = hub.send("GET", "api/v1/admin/sites/" + s.id() + "/activity?hours=3", null, admin).json();
            Map<String, Object> totals = (Map<String, Object>) activity.get("totals");
            last[0] = "gateway " + gw + ", hub " + activity;
            return gw.get("delivered") >= 9 && gw.get("invalidToken") > 0
                    && gw.get("delivered").equals(number(totals.get("delivered"))) && gw.get("failed").equals(number(totals.get("failed")))
                    && gw.get("invalidToken").equals(number(totals.get("invalidToken")))
                    && gw.get("devicesTotal").equals(number(activity.get("devicesTotal")));
        });
        System.out.println("[DeliveryReportIT] delivery report: " + last[0]);
        Map<String, Object> overview = hub.send("GET", "api/v1/admin/overview", null, admin).json();
        assertThat(overview.get("queueNow")).as("a queue sample from the gateway").isNotNull();
        assertThat((List<Map<String, Object>>) overview.get("topSites")).extracting(m -> m.get("siteId")).contains(s.id());
        assertThat((List<Map<String, Object>>) overview.get("devices")).extracting(m -> m.get("platform")).contains("ios", "android-fcm");
    }

    private static Long number(Object o) {
        return o == null ? null : ((Number) o).longValue();
    }
}
