package net.moodlepushhub.gateway.quota;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.http.HttpResponse;
import java.time.Duration;
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
    @ConfigProperty(name = "gateway.quota.report-interval", defaultValue = "PT30S")
    String interval;

    @Resource
    ManagedScheduledExecutorService scheduler;

    @Inject
    net.moodlepushhub.gateway.hub.HubConnection hub;
    private ScheduledFuture<?> task;

    /** Starts the periodic report. */
    public synchronized void start() {
        if (task == null) {
            long every = Duration.parse(interval).toMillis();
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
        JsonArrayBuilder usage = Json.createArrayBuilder();
        for (String site : sites) {
            for (Limit limit : List.of(limits.notificationsPerMinute(site), limits.notificationsPerDay(site), limits.broadcastsPerDay(site))) {
                RateLimiter.Decision d = limiter.peek(site, limit);
                usage.add(Json.createObjectBuilder().add("siteId", site).add("limit", limit.name())
                        .add("capacity", limit.capacity()).add("remaining", d.remaining()).add("windowSeconds", limit.window().toSeconds()));
            }
        }
        try {
            HttpResponse<String> r = hub.postJson("/api/v1/internal/usage", Json.createObjectBuilder().add("usage", usage).build().toString(),
                    Duration.ofSeconds(10));
            if (r.statusCode() / 100 != 2) {
                LOG.warning(() -> "The hub refused a usage report: " + r.statusCode());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.FINE, "usage report failed", e);
        }
    }
}
