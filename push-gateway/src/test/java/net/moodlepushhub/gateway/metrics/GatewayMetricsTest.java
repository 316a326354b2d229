package net.moodlepushhub.gateway.metrics;

import net.moodlepushhub.gateway.delivery.Delivery;
import net.moodlepushhub.gateway.delivery.DeliveryQueue;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.SendOutcome;
import net.moodlepushhub.testsupport.PrometheusText;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayMetricsTest {

    @Test
    void reasonsKeepTheServicesCodeAsALabelSafeToken() {
        assertThat(GatewayMetrics.reason("UNREGISTERED: Requested entity was not found.")).isEqualTo("UNREGISTERED");
        assertThat(GatewayMetrics.reason("io: ClosedChannelException: closed")).isEqualTo("io");
        assertThat(GatewayMetrics.reason("HTTP 500")).isEqualTo("HTTP_500");
        assertThat(GatewayMetrics.reason("oauth-401: invalid_grant")).isEqualTo("oauth-401");
        assertThat(GatewayMetrics.reason("BadDeviceToken")).isEqualTo("BadDeviceToken");
        assertThat(GatewayMetrics.reason("x\"}\nevil{")).isEqualTo("x___evil_");
        assertThat(GatewayMetrics.reason("a".repeat(200))).hasSize(48);
        assertThat(GatewayMetrics.reason(null)).isEqualTo("unknown");
        assertThat(GatewayMetrics.reason(": detail only")).isEqualTo("unknown");
    }

    @Test
    void everyQueueResultHasItsOutcome() {
        Delivery d = new Delivery(1, "n", 0, "s", "t", Platform.APNS, 0, null, 0);
        assertThat(GatewayMetrics.outcome(new DeliveryQueue.Delivered(d))).isEqualTo(GatewayMetrics.Outcome.DELIVERED);
        assertThat(GatewayMetrics.outcome(new DeliveryQueue.InvalidToken(d, "Unregistered"))).isEqualTo(GatewayMetrics.Outcome.INVALID_TOKEN);
        assertThat(GatewayMetrics.outcome(new DeliveryQueue.Retry(d, Instant.now(), "x"))).isEqualTo(GatewayMetrics.Outcome.RETRY);
        assertThat(GatewayMetrics.outcome(new DeliveryQueue.Deferred(d, Instant.now()))).isEqualTo(GatewayMetrics.Outcome.DEFERRED);
        assertThat(GatewayMetrics.outcome(new DeliveryQueue.Held(d))).isEqualTo(GatewayMetrics.Outcome.HELD);
        assertThat(GatewayMetrics.outcome(new DeliveryQueue.Failed(d, "x"))).isEqualTo(GatewayMetrics.Outcome.FAILED);
    }

    @Test
    void theDisabledInstanceCountsNothingAndNeverFails() {
        GatewayMetrics off = GatewayMetrics.disabled();
        Delivery d = new Delivery(0, "n", 0, "s", "t", Platform.FCM, 0, 3, 7);
        off.pushAnswered(Platform.FCM, "n", new SendOutcome.Delivered("id"), null);
        off.pushAnswered(Platform.FCM, "n", null, new IllegalStateException());
        off.deliveriesRecorded(List.of(new DeliveryQueue.Delivered(d)));
        off.keyVerified("accepted");
        off.deviceTokenRegistered(Platform.APNS);
        off.rateLimited("notifications-minute");
    }

    @Test
    void prometheusTextIsReadAsPrometheusReadsIt() {
        PrometheusText m = PrometheusText.parse("""
                # HELP gateway_deliveries_total Delivery results
                # TYPE gateway_deliveries_total counter
                gateway_deliveries_total{mp_scope="application",outcome="delivered",platform="apns"} 2.0
                gateway_deliveries_total{mp_scope="application",outcome="retry",platform="apns"} 1.0
                gateway_revocation_feed_lag_seconds{mp_scope="application"} 0.25
                odd_total{reason="a \\"quoted\\" one"} 3 1700000000000
                """);
        assertThat(m.type("gateway_deliveries_total")).isEqualTo("counter");
        assertThat(m.value("gateway_deliveries_total", "platform", "apns", "outcome", "delivered")).isEqualTo(2.0);
        assertThat(m.value("gateway_deliveries_total", "platform", "fcm", "outcome", "delivered")).isZero();
        assertThat(m.series("gateway_deliveries_total", "platform", "apns")).hasSize(2);
        assertThat(m.value("gateway_revocation_feed_lag_seconds")).isEqualTo(0.25);
        assertThat(m.value("odd_total", "reason", "a \"quoted\" one")).isEqualTo(3);
    }
}
