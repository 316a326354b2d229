package net.moodlepushhub.gateway.abuse;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.hub.HubApi;
import net.moodlepushhub.gateway.hub.HubConnection;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.GatewaySettings;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Files abuse reports with the hub on its own when a site's sending crosses a threshold, the way e-mail
 * providers watch bounce rates: a high share of invalid device tokens over the last hour (a site sending to
 * harvested or stale tokens), or a sudden jump in volume (a stolen key). The hub's operators decide what to
 * do; the gateway only reports, at most once per site and reason per hour.
 */
@ApplicationScoped
public class AbuseMonitor {

    private static final Logger LOG = Logger.getLogger(AbuseMonitor.class.getName());

    @Inject
    GatewayDatabase db;

    @Inject
    GatewaySettings settings;

    @Resource
    ManagedScheduledExecutorService scheduler;

    @Inject
    HubConnection hub;
    private final Map<String, Instant> reported = new ConcurrentHashMap<>();
    private ScheduledFuture<?> task;

    /** A site whose behaviour crossed a threshold. */
    public record Finding(String siteId, String category, String reason) {
    }

    /** Starts the periodic check. */
    public synchronized void start() {
        if (task == null) {
            long every = settings.abuse().checkInterval.toMillis();
            task = scheduler.scheduleWithFixedDelay(this::checkAndReport, every, every, TimeUnit.MILLISECONDS);
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (task != null) {
            task.cancel(true);
        }
    }

    /** Runs one check and files reports for new findings. */
    public void checkAndReport() {
        try {
            for (Finding f : check(Instant.now())) {
                String key = f.siteId() + "|" + f.category();
                Instant last = reported.get(key);
                if (last != null && last.isAfter(Instant.now().minus(Duration.ofHours(1)))) {
                    continue;
                }
                if (report(f)) {
                    reported.put(key, Instant.now());
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "abuse check failed", e);
        }
    }

    /**
     * @param now the current time
     * @return the sites over a threshold
     */
    public List<Finding> check(Instant now) {
        return db.inTransaction(c -> {
            List<Finding> findings = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement(
                    // Answers with a row of their own, plus the deliveries counted in their batches (see DeliveryQueue).
                    "select site_id, sum(invalid), sum(answers) from ("
                            + "select site_id, sum(case when status = 'INVALID_TOKEN' then 1 else 0 end) invalid, count(*) answers from delivery "
                            + "where updated_at > ? and status in ('DELIVERED', 'INVALID_TOKEN', 'FAILED') group by site_id "
                            + "union all select site_id, 0, sum(delivered) from delivery_batch where updated_at > ? and delivered > 0 group by site_id"
                            + ") a group by site_id")) {
                st.setTimestamp(1, Timestamp.from(now.minus(Duration.ofHours(1))));
                st.setTimestamp(2, Timestamp.from(now.minus(Duration.ofHours(1))));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        long invalid = rs.getLong(2);
                        long total = rs.getLong(3);
                        if (total >= settings.abuse().minSample && invalid > settings.abuse().invalidTokenShare * total) {
                            findings.add(new Finding(rs.getString(1), "spam", String.format(Locale.ROOT,
                                    "automatic: %.0f%% of the site's deliveries in the last hour went to invalid device tokens (%d of %d)",
                                    100.0 * invalid / total, invalid, total)));
                        }
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement(
                    "select site_id, sum(case when created_at > ? then recipients else 0 end), sum(recipients) from notification "
                            + "where created_at > ? group by site_id")) {
                st.setTimestamp(1, Timestamp.from(now.minus(Duration.ofMinutes(10))));
                st.setTimestamp(2, Timestamp.from(now.minus(Duration.ofMinutes(70))));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        long recent = rs.getLong(2);
                        long before = rs.getLong(3) - recent;
                        double baselinePer10 = before / 6.0;
                        if (recent >= settings.abuse().minSample
                                && recent > settings.abuse().volumeJump * Math.max(baselinePer10, settings.abuse().minSample / 10.0)) {
                            findings.add(new Finding(rs.getString(1), "excessive-volume", String.format(Locale.ROOT,
                                    "automatic: %d notifications in the last 10 minutes against %.0f per 10 minutes in the hour before",
                                    recent, baselinePer10)));
                        }
                    }
                }
            }
            return findings;
        });
    }

    private boolean report(Finding f) {
        HubApi.AbuseReport report = new HubApi.AbuseReport(f.siteId(), f.category(), f.reason());
        try {
            HubConnection.Answer r = hub.call(Duration.ofSeconds(10), false, api -> api.abuseReport(report));
            boolean ok = r.status() / 100 == 2;
            LOG.info(() -> "Automatic abuse report for site " + f.siteId() + " (" + f.category() + "): hub answered " + r.status());
            return ok;
        } catch (Exception e) {
            LOG.log(Level.FINE, "could not file abuse report", e);
            return false;
        }
    }
}
