package net.moodlepushhub.hub;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.keys.SigningKeys;
import net.moodlepushhub.hub.persistence.HubDatabase;

import java.util.logging.Logger;

/**
 * Opens and migrates the database, checks the key-encryption key and makes sure a signing key exists when the
 * application starts, so that a broken configuration (no database, a missing or wrong key-encryption key) fails
 * the deployment with its reason in the log instead of failing the first request.
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
        String kid;
        try {
            kid = signingKeys.start().kid();
        } catch (IllegalStateException e) {
            // Said on its own line, not only inside the deployment's stack trace.
            LOG.severe(() -> "moodle-push-hub hub NOT started: " + e.getMessage());
            throw e;
        }
        LOG.info(() -> "moodle-push-hub hub ready: issuer " + settings.issuer() + ", signing key " + kid
                + (settings.allowPrivateNetworks() ? ", VERIFIER ALLOWS PRIVATE NETWORKS" : ""));
    }
}
