package net.moodlepushhub.hub.stats;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.stats.OperatorViews.HourPoint;
import net.moodlepushhub.hub.stats.OperatorViews.OpenReport;
import net.moodlepushhub.hub.stats.OperatorViews.OpenReports;
import net.moodlepushhub.hub.stats.OperatorViews.Overview;
import net.moodlepushhub.hub.stats.OperatorViews.PlatformDevices;
import net.moodlepushhub.hub.stats.OperatorViews.QueuePoint;
import net.moodlepushhub.hub.stats.OperatorViews.QuotaState;
import net.moodlepushhub.hub.stats.OperatorViews.SiteActivity;
import net.moodlepushhub.hub.stats.OperatorViews.SiteVolume;
import net.moodlepushhub.hub.stats.OperatorViews.Totals;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateways' delivery reports, stored as aggregates, and what the admin console draws from them: deliveries per
 * hour by outcome, the failure share, the queue, the busiest sites, sites near their limits, open abuse reports,
 * and each site's devices and recent volume. Plain JDBC with batched statements: a report may carry thousands of
 * rows, and the overview's sums are a few grouped queries.
 */
@ApplicationScoped
public class DeliveryStats {

    /** Below this share of a limit left, a site is near it (as in the site admin's view of its usage). */
    static final double NEAR = 0.2;
    /** How many sites the overview lists by volume. */
    static final int TOP_SITES = 10;
    /** How many sites near a limit the overview lists at most. */
    static final int QUOTA_SITES = 50;
    /** How many open reports the overview lists. */
    static final int LATEST_REPORTS = 10;
    /** Old rows are deleted at most this often. */
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);

    @Inject
    HubDatabase db;

    @Inject
    @ConfigProperty(name = "hub.stats.retention", defaultValue = "P30D")
    String retention;

    private volatile Instant lastPrune = Instant.EPOCH;

    /**
     * Stores a report: each (site, hour) and (site, platform) replaces what was there; a device count of 0 removes
     * the entry; the queue sample is kept per minute.
     *
     * @param report what a gateway sent
     * @param now    the current time
     */
    public void record(DeliveryReport report, Instant now) {
        Timestamp at = Timestamp.from(now);
        jdbc(c -> {
            if (!report.hours().isEmpty()) {
                try (PreparedStatement delete = c.prepareStatement("delete from site_delivery_hour where site_id = ? and hour_start = ?");
                     PreparedStatement insert = c.prepareStatement("insert into site_delivery_hour (site_id, hour_start, delivered, failed, invalid_token, reported_at) values (?, ?, ?, ?, ?, ?)")) {
                    for (DeliveryReport.SiteHour h : report.hours()) {
                        delete.setString(1, h.siteId());
                        delete.setTimestamp(2, Timestamp.from(h.hour()));
                        delete.addBatch();
                        insert.setString(1, h.siteId());
                        insert.setTimestamp(2, Timestamp.from(h.hour()));
                        insert.setLong(3, h.delivered());
                        insert.setLong(4, h.failed());
                        insert.setLong(5, h.invalidToken());
                        insert.setTimestamp(6, at);
                        insert.addBatch();
                    }
                    delete.executeBatch();
                    insert.executeBatch();
                }
            }
            if (!report.devices().isEmpty()) {
                try (PreparedStatement delete = c.prepareStatement("delete from site_devices where site_id = ? and platform = ?");
                     PreparedStatement insert = c.prepareStatement("insert into site_devices (site_id, platform, devices, reported_at) values (?, ?, ?, ?)")) {
                    boolean inserts = false;
                    for (DeliveryReport.SiteDevices d : report.devices()) {
                        delete.setString(1, d.siteId());
                        delete.setString(2, d.platform());
                        delete.addBatch();
                        if (d.devices() > 0) {
                            inserts = true;
                            insert.setString(1, d.siteId());
                            insert.setString(2, d.platform());
                            insert.setLong(3, d.devices());
                            insert.setTimestamp(4, at);
                            insert.addBatch();
                        }
                    }
                    delete.executeBatch();
                    if (inserts) {
                        insert.executeBatch();
                    }
                }
            }
            if (report.queue() != null) {
                Timestamp minute = Timestamp.from(now.truncatedTo(ChronoUnit.MINUTES));
                try (PreparedStatement delete = c.prepareStatement("delete from gateway_queue_sample where sampled_at = ?");
                     PreparedStatement insert = c.prepareStatement("insert into gateway_queue_sample (sampled_at, queued, claimed, oldest_due) values (?, ?, ?, ?)")) {
                    delete.setTimestamp(1, minute);
                    delete.executeUpdate();
                    insert.setTimestamp(1, minute);
                    insert.setLong(2, report.queue().queued());
                    insert.setLong(3, report.queue().claimed());
                    insert.setTimestamp(4, report.queue().oldestDue() == null ? null : Timestamp.from(report.queue().oldestDue()));
                    insert.executeUpdate();
                }
            }
            if (lastPrune.plus(PRUNE_EVERY).isBefore(now)) {
                lastPrune = now;
                Timestamp cutoff = Timestamp.from(now.minus(Duration.parse(retention)));
                try (PreparedStatement hours = c.prepareStatement("delete from site_delivery_hour where hour_start < ?");
                     PreparedStatement samples = c.prepareStatement("delete from gateway_queue_sample where sampled_at < ?")) {
                    hours.setTimestamp(1, cutoff);
                    hours.executeUpdate();
                    samples.setTimestamp(1, cutoff);
                    samples.executeUpdate();
                }
            }
            return null;
        });
    }

    /**
     * @param hours the period, ending with the current hour
     * @param now   the current time
     * @return the overview of every site
     */
    public Overview overview(int hours, Instant now) {
        Instant from = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(hours - 1L));
        return jdbc(c -> {
            Map<Instant, long[]> byHour = new HashMap<>();
            try (PreparedStatement st = c.prepareStatement("select hour_start, sum(delivered), sum(failed), sum(invalid_token) from site_delivery_hour "
                    + "where hour_start >= ? group by hour_start")) {
                st.setTimestamp(1, Timestamp.from(from));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        byHour.put(rs.getTimestamp(1).toInstant(), new long[]{rs.getLong(2), rs.getLong(3), rs.getLong(4)});
                    }
                }
            }
            List<HourPoint> deliveries = series(from, hours, byHour);

            List<QueuePoint> queue = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select sampled_at, queued, claimed, oldest_due from gateway_queue_sample where sampled_at >= ? order by sampled_at")) {
                st.setTimestamp(1, Timestamp.from(from));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        queue.add(new QueuePoint(rs.getTimestamp(1).toInstant(), rs.getLong(2), rs.getLong(3), instant(rs.getTimestamp(4))));
                    }
                }
            }

            List<String[]> top = new ArrayList<>();
            Map<String, Totals> topTotals = new HashMap<>();
            try (PreparedStatement st = c.prepareStatement("select site_id, sum(delivered), sum(failed), sum(invalid_token) from site_delivery_hour "
                    + "where hour_start >= ? group by site_id order by sum(delivered) + sum(failed) + sum(invalid_token) desc, site_id limit " + TOP_SITES)) {
                st.setTimestamp(1, Timestamp.from(from));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        top.add(new String[]{rs.getString(1)});
                        topTotals.put(rs.getString(1), totals(rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                    }
                }
            }

            List<QuotaState> quota = new ArrayList<>();
            List<Object[]> limitRows = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select site_id, limit_name, capacity, remaining, window_seconds, reported_at from site_usage "
                    + "where remaining < capacity * ? order by reported_at desc")) {
                st.setDouble(1, NEAR);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next() && limitRows.size() < QUOTA_SITES) {
                        Instant reported = rs.getTimestamp(6).toInstant();
                        // A window's figure says nothing once the window has passed (the bucket has refilled since).
                        if (reported.plusSeconds(rs.getLong(5)).isBefore(now)) {
                            continue;
                        }
                        limitRows.add(new Object[]{rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), reported});
                    }
                }
            }
            List<Object[]> userRows = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select site_id, over_quota_since, quota_enforced from moodle_registration "
                    + "where over_quota_since is not null order by over_quota_since limit " + QUOTA_SITES)) {
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        userRows.add(new Object[]{rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getBoolean(3)});
                    }
                }
            }

            List<String> ids = new ArrayList<>();
            top.forEach(t -> ids.add(t[0]));
            limitRows.forEach(r -> ids.add((String) r[0]));
            userRows.forEach(r -> ids.add((String) r[0]));
            Map<String, String[]> sites = sites(c, ids);

            List<SiteVolume> topSites = new ArrayList<>();
            for (String[] t : top) {
                String[] s = sites.getOrDefault(t[0], new String[3]);
                topSites.add(new SiteVolume(t[0], s[0], s[1], s[2], topTotals.get(t[0])));
            }
            for (Object[] r : userRows) {
                String[] s = sites.getOrDefault((String) r[0], new String[3]);
                quota.add(new QuotaState((String) r[0], s[0], s[1], "users", null, null, null, true, (Instant) r[1], (Boolean) r[2]));
            }
            List<QuotaState> limits = new ArrayList<>();
            for (Object[] r : limitRows) {
                String[] s = sites.getOrDefault((String) r[0], new String[3]);
                long capacity = (Long) r[2];
                long remaining = (Long) r[3];
                double used = capacity == 0 ? 1.0 : 1.0 - (double) remaining / capacity;
                limits.add(new QuotaState((String) r[0], s[0], s[1], (String) r[1], capacity, remaining, used, remaining <= 0, (Instant) r[4], false));
            }
            limits.sort(Comparator.comparing((QuotaState q) -> -q.usedShare()).thenComparing(QuotaState::siteId));
            quota.addAll(limits);

            long openTotal;
            try (PreparedStatement st = c.prepareStatement("select count(*) from abuse_report where status = 'open'");
                 ResultSet rs = st.executeQuery()) {
                rs.next();
                openTotal = rs.getLong(1);
            }
            List<OpenReport> latest = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select id, site_id, site_ref, category, report_count, last_reported_at from abuse_report "
                    + "where status = 'open' order by last_reported_at desc, id desc limit " + LATEST_REPORTS);
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    latest.add(new OpenReport(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                            rs.getTimestamp(6).toInstant()));
                }
            }

            List<PlatformDevices> devices = new ArrayList<>();
            try (PreparedStatement st = c.prepareStatement("select platform, sum(devices) from site_devices group by platform order by sum(devices) desc, platform");
                 ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    devices.add(new PlatformDevices(rs.getString(1), rs.getLong(2)));
                }
            }
            return new Overview(now, hours, deliveries, sum(deliveries), queue, queue.isEmpty() ? null : queue.get(queue.size() - 1),
                    topSites, quota, new OpenReports(openTotal, latest), devices);
        });
    }

    /**
     * @param siteId the site
     * @param hours  the period, ending with the current hour
     * @param now    the current time
     * @return its devices and deliveries
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 404 site-not-found}
     */
    public SiteActivity site(String siteId, int hours, Instant now) {
        Instant from = now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(hours - 1L));
        return jdbc(c -> {
            try (PreparedStatement st = c.prepareStatement("select count(*) from site where id = ?")) {
                st.setString(1, siteId);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) == 0) {
                        // The same code as every other admin call about a site that does not exist.
                        throw Problem.of(net.moodlepushhub.hub.HubProblem.SITE_NOT_FOUND, "There is no site with this id.").toException();
                    }
                }
            }
            List<PlatformDevices> devices = new ArrayList<>();
            Instant reportedAt = null;
            long total = 0;
            try (PreparedStatement st = c.prepareStatement("select platform, devices, reported_at from site_devices where site_id = ? order by devices desc, platform")) {
                st.setString(1, siteId);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        devices.add(new PlatformDevices(rs.getString(1), rs.getLong(2)));
                        total += rs.getLong(2);
                        Instant at = rs.getTimestamp(3).toInstant();
                        reportedAt = reportedAt == null || at.isAfter(reportedAt) ? at : reportedAt;
                    }
                }
            }
            Map<Instant, long[]> byHour = new HashMap<>();
            try (PreparedStatement st = c.prepareStatement("select hour_start, delivered, failed, invalid_token from site_delivery_hour where site_id = ? and hour_start >= ?")) {
                st.setString(1, siteId);
                st.setTimestamp(2, Timestamp.from(from));
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        byHour.put(rs.getTimestamp(1).toInstant(), new long[]{rs.getLong(2), rs.getLong(3), rs.getLong(4)});
                    }
                }
            }
            List<HourPoint> deliveries = series(from, hours, byHour);
            return new SiteActivity(siteId, hours, devices, total, reportedAt, deliveries, sum(deliveries));
        });
    }

    private static List<HourPoint> series(Instant from, int hours, Map<Instant, long[]> byHour) {
        List<HourPoint> out = new ArrayList<>(hours);
        for (int i = 0; i < hours; i++) {
            Instant h = from.plus(Duration.ofHours(i));
            long[] v = byHour.getOrDefault(h, new long[3]);
            out.add(new HourPoint(h, v[0], v[1], v[2], share(v[0], v[1], v[2])));
        }
        return out;
    }

    private static Totals sum(List<HourPoint> points) {
        long d = 0;
        long f = 0;
        long i = 0;
        for (HourPoint p : points) {
            d += p.delivered();
            f += p.failed();
            i += p.invalidToken();
        }
        return totals(d, f, i);
    }

    static Totals totals(long delivered, long failed, long invalid) {
        return new Totals(delivered, failed, invalid, delivered + failed + invalid, share(delivered, failed, invalid));
    }

    static Double share(long delivered, long failed, long invalid) {
        long all = delivered + failed + invalid;
        return all == 0 ? null : (double) (failed + invalid) / all;
    }

    /** url, name, status (lower case) of the given sites. */
    private static Map<String, String[]> sites(Connection c, List<String> ids) throws SQLException {
        Map<String, String[]> out = new LinkedHashMap<>();
        List<String> distinct = ids.stream().distinct().toList();
        if (distinct.isEmpty()) {
            return out;
        }
        String marks = String.join(", ", java.util.Collections.nCopies(distinct.size(), "?"));
        try (PreparedStatement st = c.prepareStatement("select id, url, name, status from site where id in (" + marks + ")")) {
            for (int i = 0; i < distinct.size(); i++) {
                st.setString(i + 1, distinct.get(i));
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new String[]{rs.getString(2), rs.getString(3), rs.getString(4).toLowerCase(java.util.Locale.ROOT)});
                }
            }
        }
        return out;
    }

    /** Work on one JDBC connection in one transaction. */
    @FunctionalInterface
    interface SqlWork<T> {
        T apply(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction, committed when it returns. The database being unreachable is
     * {@code 503 database-unavailable} with {@code Retry-After}, never a 500.
     */
    private <T> T jdbc(SqlWork<T> work) {
        Connection c;
        try {
            c = db.dataSource().getConnection();
        } catch (SQLException e) {
            throw unavailable(e);
        }
        try (c) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            if (e instanceof java.sql.SQLTransientConnectionException || e instanceof java.sql.SQLNonTransientConnectionException
                    || (e.getSQLState() != null && e.getSQLState().startsWith("08"))) {
                throw unavailable(e);
            }
            throw new IllegalStateException("delivery statistics: " + e.getMessage(), e);
        }
    }

    private static RuntimeException unavailable(SQLException e) {
        java.util.logging.Logger.getLogger(DeliveryStats.class.getName()).log(java.util.logging.Level.WARNING, "database unreachable", e);
        return Problem.of(CommonProblem.DATABASE_UNAVAILABLE, "The hub's database cannot be reached; try again shortly.")
                .withHeader("Retry-After", "30").toException();
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
