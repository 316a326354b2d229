package net.moodlepushhub.hub.admin;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.HubSettings;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ends suspensions whose end time passed, every {@code hub.suspension.check-interval}. Safe with several hub
 * instances: each reinstatement re-checks the site under a row lock.
 *
 * <p>Runs on the container's managed scheduled executor, as the mail worker and the quota grace check do: the
 * hub has one way to run background work, and no thread of its own to start and stop.</p>
 */
@ApplicationScoped
public class SuspensionScheduler {

    private static final Logger LOG = Logger.getLogger(SuspensionScheduler.class.getName());

    @Inject
    SiteAdministration administration;

    @Inject
    HubSettings settings;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService executor;

    private ScheduledFuture<?> schedule;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        long millis = settings.suspensionCheckInterval().toMillis();
        schedule = executor.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
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
        if (schedule != null) {
            schedule.cancel(false);
        }
    }
}
