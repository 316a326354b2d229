package net.moodlepushhub.gateway.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.GatewaySettings;
import net.moodlepushhub.gateway.delivery.DeliveryEngine;
import net.moodlepushhub.gateway.delivery.Providers;
import net.moodlepushhub.gateway.keys.HubMetadata;
import net.moodlepushhub.gateway.keys.RevocationFollower;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.provider.Platform;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.sql.Connection;
import java.time.Duration;

/**
 * Ready while the database answers and the hub's revocation feed has been reached recently: a gateway that
 * lost the feed still refuses what it knows is revoked, but says it is not ready so that a load balancer
 * prefers an instance that is up to date. Not ready either until the issuer keys must carry is known
 * ({@link HubMetadata#known()}): started before its hub (as {@code ./run} starts them, side by side), the gateway
 * said it was ready while it still assumed the hub's URL as the issuer, and refused good keys as
 * {@code wrong-issuer} until it read the hub's metadata. Sandbox mode is reported here too.
 */
@Readiness
@ApplicationScoped
public class GatewayReadiness implements HealthCheck {

    @Inject
    GatewayDatabase db;

    @Inject
    RevocationFollower follower;

    @Inject
    GatewaySettings settings;

    @Inject
    Providers providers;

    @Inject
    DeliveryEngine engine;

    @Inject
    net.moodlepushhub.gateway.hub.HubConnection hub;

    @Inject
    HubMetadata metadata;

    @Override
    public HealthCheckResponse call() {
        boolean database;
        try (Connection c = db.dataSource().getConnection()) {
            database = c.isValid(2);
        } catch (Exception e) {
            database = false;
        }
        // Lost since the first failed poll, not since the last answer: on a quiet feed the hub answers a long poll
        // only every WAIT_SECONDS, and that time is not lag.
        Duration lag = follower.lostFor();
        boolean feed = lag.compareTo(settings.feedMaxLag()) <= 0;
        boolean issuerKnown = metadata.known();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("gateway")
                .status(database && feed && issuerKnown)
                .withData("database", database)
                .withData("issuer", issuerKnown ? metadata.issuer().issuer() : "not known yet (waiting for the hub's metadata)")
                .withData("revocationFeed", feed ? "following" : "lost (" + (follower.lastError() == null ? "no contact" : follower.lastError()) + ")")
                .withData("inFlight", engine.inFlight())
                // Which of the hubs gateway.hub-url lists is called first now (the last one that answered).
                .withData("hub", hub.endpoints().current());
        for (Platform p : Platform.values()) {
            b.withData(p.name().toLowerCase(), providers.isSandbox(p) ? "SANDBOX (deliveries recorded, not sent)" : "live");
        }
        return b.build();
    }
}
