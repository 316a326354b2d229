package net.moodlepushhub.gateway.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.keys.AccessKeyVerifier;
import net.moodlepushhub.gateway.keys.HubMetadata;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Shows in {@code /health} which issuer and audience keys must carry and where the issuer came from
 * ({@code gateway.keys.issuer} or the hub's metadata), so that an operator whose keys are all refused sees the
 * expected values at a glance. Always up: a gateway with the wrong issuer still answers, and says why it refuses.
 */
@Readiness
@ApplicationScoped
public class AccessKeysHealth implements HealthCheck {

    @Inject
    AccessKeyVerifier verifier;

    @Override
    public HealthCheckResponse call() {
        HubMetadata.Issuer issuer = verifier.expectedIssuer();
        return HealthCheckResponse.named("access-keys").up()
                .withData("issuer", issuer.issuer())
                .withData("issuerSource", issuer.source())
                .withData("audience", verifier.audience())
                .withData("cachedKeys", verifier.cachedKeys())
                .build();
    }
}
