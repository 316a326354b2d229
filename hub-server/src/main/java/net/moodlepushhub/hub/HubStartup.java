package net.moodlepushhub.hub;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.keys.SigningKeys;
import net.moodlepushhub.hub.persistence.HubDatabase;

import java.util.logging.Logger;

/**
 * Opens and migrates the database and makes sure a signing key exists when the application starts, so
 * that a broken configuration fails the deployment instead of the first request.
 */
@ApplicationScoped
public class HubStartup {

    private static final Logger LOG = Logger.getLogger(HubStartup.class.getName());

    @Inject
    HubDatabase db;

    @Inject
    SigningKeys signingKeys;

    @Inject
    HubSettings settings;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        db.dataSource();
        String kid = signingKeys.active().kid();
        LOG.info(() -> "moodle-push-hub hub ready: issuer " + settings.issuer() + ", signing key " + kid
                + (settings.allowPrivateNetworks() ? ", VERIFIER ALLOWS PRIVATE NETWORKS" : ""));
    }
}
