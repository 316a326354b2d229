package net.moodlepushhub.gateway.quota;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.hub.HubApi;
import net.moodlepushhub.gateway.hub.HubConnection;
import net.moodlepushhub.gateway.GatewaySettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the hub, periodically, how much of each delivery limit the recently active sites have left, so a
 * site's admin sees in {@code GET /api/v1/sites/{id}} that the site is near a limit before it is refused.
 */
@ApplicationScoped
public class UsageReporter {

    private static final Logger LOG = Logger.getLogger(UsageReporter.class.getName());

    @Inject
    RateLimiter limiter;

    @Inject
    SiteLimits limits;

    @Inject
    GatewaySettings settings;

    @Resource
    ManagedScheduledExecutorService scheduler;

    @Inject
    HubConnection hub;
    private ScheduledFuture<?> task;

    /** Starts the periodic report. */
    public synchronized void start() {
        if (task == null) {
            long every = settings.quota().reportInterval.toMillis();
            task = scheduler.scheduleWithFixedDelay(this::report, every, every, TimeUnit.MILLISECONDS);
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (task != null) {
            task.cancel(true);
        }
    }

    /** Sends one report for the sites active since the last one. */
    public void report() {
        Set<String> sites = limiter.drainActiveSites();
        if (sites.isEmpty()) {
            return;
        }
        List<HubApi.Usage> usage = new ArrayList<>();
        for (String site : sites) {
            for (Limit limit : List.of(limits.notificationsPerMinute(site), limits.notificationsPerDay(site), limits.broadcastsPerDay(site))) {
                RateLimiter.Decision d = limiter.peek(site, limit);
                usage.add(new HubApi.Usage(site, limit.name(), limit.capacity(), d.remaining(), limit.window().toSeconds()));
            }
        }
        try {
            HubConnection.Answer r = hub.call(Duration.ofSeconds(10), false, api -> api.usage(new HubApi.UsageReport(usage)));
            if (r.status() / 100 != 2) {
                LOG.warning(() -> "The hub refused a usage report: " + r.status());
            }
        } catch (Exception e) {
            LOG.log(Level.FINE, "usage report failed", e);
        }
    }
}
