package net.moodlepushhub.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.delivery.DeliveryEngine;
import net.moodlepushhub.gateway.delivery.Providers;
import net.moodlepushhub.gateway.keys.AccessKeyVerifier;
import net.moodlepushhub.gateway.keys.RevocationFollower;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;

import java.util.logging.Logger;

/**
 * Starts the gateway's moving parts when the application is deployed: database (migrated), providers, the
 * revocation follower and the delivery engine, which at once resumes whatever an earlier run left queued.
 */
@ApplicationScoped
public class GatewayStartup {

    private static final Logger LOG = Logger.getLogger(GatewayStartup.class.getName());

    @Inject
    GatewayDatabase db;

    @Inject
    Providers providers;

    @Inject
    AccessKeyVerifier verifier;

    @Inject
    RevocationFollower follower;

    @Inject
    DeliveryEngine engine;

    @Inject
    GatewaySettings settings;

    @Inject
    net.moodlepushhub.gateway.abuse.AbuseMonitor abuseMonitor;

    @Inject
    net.moodlepushhub.gateway.quota.UsageReporter usageReporter;

    @Inject
    net.moodlepushhub.gateway.stats.DeliveryStatsReporter deliveryStatsReporter;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        db.dataSource();
        providers.get(net.moodlepushhub.gateway.provider.Platform.APNS);
        follower.start();
        engine.start();
        abuseMonitor.start();
        usageReporter.start();
        deliveryStatsReporter.start();
        LOG.info(() -> "moodle-push-hub gateway ready: hub " + String.join(", ", settings.hubUrls()) + ", audience " + settings.audience()
                + ", keys issued by " + verifier.expectedIssuer().issuer() + " (from " + verifier.expectedIssuer().source() + ")");
    }
}
