package net.moodlepushhub.hub.admin;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.HubSettings;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ends suspensions whose end time passed, every {@code hub.suspension.check-interval}. Safe with several hub
 * instances: each reinstatement re-checks the site under a row lock.
 *
 * <p>A plain single-thread executor rather than an EJB timer: the work is only database calls through the
 * application's own resource-local persistence, so it needs no container context, and the interval is
 * configurable down to a second for tests.</p>
 */
@ApplicationScoped
public class SuspensionScheduler {

    private static final Logger LOG = Logger.getLogger(SuspensionScheduler.class.getName());

    @Inject
    SiteAdministration administration;

    @Inject
    HubSettings settings;

    private ScheduledExecutorService executor;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        long millis = settings.suspensionCheckInterval().toMillis();
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hub-suspension-check");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            int n = administration.reinstateExpired();
            if (n > 0) {
                LOG.info(() -> n + " suspension(s) ended; site(s) reinstated");
            }
        } catch (RuntimeException e) {
            // Keep the schedule alive: one failed round (database down) must not end all future checks.
            LOG.log(Level.WARNING, "Suspension check failed", e);
        }
    }

    @PreDestroy
    void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
