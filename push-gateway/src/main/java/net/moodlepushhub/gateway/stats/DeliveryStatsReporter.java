package net.moodlepushhub.gateway.stats;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import net.moodlepushhub.gateway.hub.HubConnection;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells the hub, periodically, what its operators' overview shows: each site's deliveries per hour by outcome,
 * each site's confirmed devices by platform, and the delivery queue's depth and oldest due time
 * ({@code POST /api/v1/internal/delivery-stats}, with the feed token, beside the usage report of
 * {@link net.moodlepushhub.gateway.quota.UsageReporter}).
 *
 * <p>The figures are read from the database, so they are those of every gateway sharing it, and they are
 * absolute (an hour's whole count so far): a report repeated, or sent by two instances, replaces the same rows
 * at the hub. The queries are aggregates over all sites at once, never one per site: one {@code GROUP BY} over
 * the current hour's deliveries (read from the index on {@code updated_at, status, site_id} alone), the
 * previous hour once more right after it ends, one over the queued rows (the index on {@code status}), and the
 * device count only every {@code gateway.stats.devices-interval}, since it reads every device row.</p>
 */
@ApplicationScoped
public class DeliveryStatsReporter {

    private static final Logger LOG = Logger.getLogger(DeliveryStatsReporter.class.getName());

    /** Entries per list in one request, so a request stays well below the hub's 64 KiB body limit. */
    static final int PART = 300;

    @Inject
    GatewayDatabase db;

    @Inject
    HubConnection hub;

    @Inject
    @ConfigProperty(name = "gateway.stats.report-interval", defaultValue = "PT1M")
    String interval;

    @Inject
    @ConfigProperty(name = "gateway.stats.devices-interval", defaultValue = "PT10M")
    String devicesInterval;

    @Resource
    ManagedScheduledExecutorService scheduler;

    private ScheduledFuture<?> task;
    /** The hour of the last report the hub took; when the hour has changed since, the previous one is counted again. */
    private Instant reportedHour;
    private Instant devicesCountedAt = Instant.EPOCH;
    /** The device counts last reported, so a count that fell to zero is reported as zero (the GROUP BY omits it). */
    private Map<String, Long> reportedDevices = Map.of();

    /**
     * One site's deliveries in one hour.
     *
     * @param siteId       the site
     * @param hour         the hour's start
     * @param delivered    accepted by the push service
     * @param failed       given up
     * @param invalidToken to dead tokens
     */
    public record SiteHour(String siteId, Instant hour, long delivered, long failed, long invalidToken) {
    }

    /**
     * One site's confirmed devices of one Moodle app platform.
     *
     * @param siteId   the site
     * @param platform the platform as the app names it, lower case (ios, android-fcm, ios-fcm, ...)
     * @param devices  how many
     */
    public record SiteDevices(String siteId, String platform, long devices) {
    }

    /**
     * The delivery queue.
     *
     * @param queued    recipients waiting (first sends and retries)
     * @param claimed   recipients an instance is sending
     * @param oldestDue the earliest due time of a waiting recipient, or null
     */
    public record Queue(long queued, long claimed, Instant oldestDue) {
    }

    /**
     * One report.
     *
     * @param hours   deliveries per site and hour
     * @param devices devices per site and platform, or null when not counted this time
     * @param queue   the queue
     */
    public record Report(List<SiteHour> hours, List<SiteDevices> devices, Queue queue) {
    }

    /** Starts the periodic report. */
    public synchronized void start() {
        if (task == null) {
            long every = Duration.parse(interval).toMillis();
            task = scheduler.scheduleWithFixedDelay(this::reportQuietly, Math.min(every, 5_000), every, TimeUnit.MILLISECONDS);
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (task != null) {
            task.cancel(true);
        }
    }

    private void reportQuietly() {
        try {
            report(Instant.now());
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "delivery statistics not reported", e);
        }
    }

    /**
     * Counts and sends one report.
     *
     * @param now the current time
     * @return true when the hub took every part
     */
    public synchronized boolean report(Instant now) {
        Instant hour = now.truncatedTo(ChronoUnit.HOURS);
        boolean withDevices = !devicesCountedAt.plus(Duration.parse(devicesInterval)).isAfter(now);
        Report report = collect(now, !hour.equals(reportedHour), withDevices);
        Map<String, Long> devicesNow = null;
        List<SiteDevices> devices = report.devices();
        if (devices != null) {
            devicesNow = new HashMap<>();
            List<SiteDevices> withZeros = new ArrayList<>(devices);
            for (SiteDevices d : devices) {
                devicesNow.put(d.siteId() + '\n' + d.platform(), d.devices());
            }
            for (String key : reportedDevices.keySet()) {
                if (!devicesNow.containsKey(key)) {
                    int nl = key.indexOf('\n');
                    withZeros.add(new SiteDevices(key.substring(0, nl), key.substring(nl + 1), 0));
                }
            }
            devices = withZeros;
        }
        for (String body : bodies(new Report(report.hours(), devices, report.queue()))) {
            if (!send(body)) {
                return false;
            }
        }
        reportedHour = hour;
        if (devicesNow != null) {
            reportedDevices = devicesNow;
            devicesCountedAt = now;
        }
        return true;
    }

    /**
     * Reads the figures: the current hour's deliveries, the previous hour's too when asked, the queue, and the
     * devices when asked.
     *
     * @param now          the current time
     * @param previousHour also count the hour before the current one (it ended since the last report)
     * @param withDevices  count the devices
     * @return the report
     */
    public Report collect(Instant now, boolean previousHour, boolean withDevices) {
        Instant hour = now.truncatedTo(ChronoUnit.HOURS);
        return db.inTransaction(c -> {
            List<SiteHour> hours = new ArrayList<>();
            if (previousHour) {
                hours.addAll(countHour(c, hour.minus(Duration.ofHours(1)), hour));
            }
            hours.addAll(countHour(c, hour, hour.plus(Duration.ofHours(1))));
            long queued = 0;
            long claimed = 0;
            Instant oldestDue = null;
            try (PreparedStatement st = c.prepareStatement(
                    "select status, count(*), min(next_attempt_at) from delivery where status in ('QUEUED', 'CLAIMED') group by status");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if ("QUEUED".equals(rs.getString(1))) {
                        queued = rs.getLong(2);
                        Timestamp t = rs.getTimestamp(3);
                        oldestDue = t == null ? null : t.toInstant();
                    } else {
                        claimed = rs.getLong(2);
                    }
                }
            }
            // Recipients waiting in their batches (see DeliveryQueue): a batch is due from its creation.
            try (PreparedStatement st = c.prepareStatement(
                    "select status, sum(recipients - answered_count), min(created_at) from delivery_batch where status in ('QUEUED', 'CLAIMED') group by status");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if ("QUEUED".equals(rs.getString(1))) {
                        queued += rs.getLong(2);
                        Timestamp t = rs.getTimestamp(3);
                        if (t != null && (oldestDue == null || t.toInstant().isBefore(oldestDue))) {
                            oldestDue = t.toInstant();
                        }
                    } else {
                        claimed += rs.getLong(2);
                    }
                }
            }
            List<SiteDevices> devices = null;
            if (withDevices) {
                devices = new ArrayList<>();
                try (PreparedStatement st = c.prepareStatement(
                        "select site_id, lower(device), count(*) from device_token where confirmed = true group by site_id, lower(device)");
                     ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        devices.add(new SiteDevices(rs.getString(1), rs.getString(2), rs.getLong(3)));
                    }
                }
            }
            return new Report(hours, devices, new Queue(queued, claimed, oldestDue));
        });
    }

    /** Every site's answered deliveries in [from, to), by outcome: one GROUP BY for all sites. */
    private static List<SiteHour> countHour(Connection c, Instant from, Instant to) throws SQLException {
        Map<String, long[]> bySite = new LinkedHashMap<>();
        try (PreparedStatement st = c.prepareStatement("select site_id, status, count(*) from delivery where updated_at >= ? and updated_at < ? "
                + "and status in ('DELIVERED', 'FAILED', 'INVALID_TOKEN') group by site_id, status")) {
            st.setTimestamp(1, Timestamp.from(from));
            st.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    long[] v = bySite.computeIfAbsent(rs.getString(1), k -> new long[3]);
                    switch (rs.getString(2)) {
                        case "DELIVERED" -> v[0] += rs.getLong(3);
                        case "FAILED" -> v[1] += rs.getLong(3);
                        default -> v[2] += rs.getLong(3);
                    }
                }
            }
        }
        // Delivered at the first attempt: counted in their batches, in the hour of the batch's last recorded answer
        // (a batch's answers take well under a second, so at most a batch's worth moves to the next hour).
        try (PreparedStatement st = c.prepareStatement("select site_id, sum(delivered) from delivery_batch where updated_at >= ? and updated_at < ? and delivered > 0 group by site_id")) {
            st.setTimestamp(1, Timestamp.from(from));
            st.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    bySite.computeIfAbsent(rs.getString(1), k -> new long[3])[0] += rs.getLong(2);
                }
            }
        }
        List<SiteHour> out = new ArrayList<>(bySite.size());
        bySite.forEach((site, v) -> out.add(new SiteHour(site, from, v[0], v[1], v[2])));
        return out;
    }

    /**
     * The report as request bodies of at most {@link #PART} entries per list; the first carries the queue.
     *
     * @param report the report
     * @return one body or more
     */
    static List<String> bodies(Report report) {
        List<String> out = new ArrayList<>();
        List<SiteHour> hours = report.hours();
        List<SiteDevices> devices = report.devices() == null ? List.of() : report.devices();
        int parts = Math.max(1, Math.max((hours.size() + PART - 1) / PART, (devices.size() + PART - 1) / PART));
        for (int p = 0; p < parts; p++) {
            JsonObjectBuilder body = Json.createObjectBuilder();
            JsonArrayBuilder h = Json.createArrayBuilder();
            for (SiteHour x : hours.subList(Math.min(hours.size(), p * PART), Math.min(hours.size(), (p + 1) * PART))) {
                h.add(Json.createObjectBuilder().add("siteId", x.siteId()).add("hour", x.hour().toString())
                        .add("delivered", x.delivered()).add("failed", x.failed()).add("invalidToken", x.invalidToken()));
            }
            body.add("hours", h);
            JsonArrayBuilder d = Json.createArrayBuilder();
            for (SiteDevices x : devices.subList(Math.min(devices.size(), p * PART), Math.min(devices.size(), (p + 1) * PART))) {
                d.add(Json.createObjectBuilder().add("siteId", x.siteId()).add("platform", x.platform()).add("devices", x.devices()));
            }
            body.add("devices", d);
            if (p == 0 && report.queue() != null) {
                JsonObjectBuilder q = Json.createObjectBuilder().add("queued", report.queue().queued()).add("claimed", report.queue().claimed());
                if (report.queue().oldestDue() == null) {
                    q.addNull("oldestDue");
                } else {
                    q.add("oldestDue", report.queue().oldestDue().toString());
                }
                body.add("queue", q);
            }
            out.add(body.build().toString());
        }
        return out;
    }

    private boolean send(String body) {
        try {
            HttpResponse<String> r = hub.postJson("/api/v1/internal/delivery-stats", body, Duration.ofSeconds(10));
            if (r.statusCode() / 100 != 2) {
                LOG.warning(() -> "The hub refused a delivery report: " + r.statusCode() + " " + r.body());
                return false;
            }
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.FINE, "delivery report failed", e);
            return false;
        }
    }
}
