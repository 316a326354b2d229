package net.moodlepushhub.hub.stats;

import java.time.Instant;
import java.util.List;

/**
 * The JSON shapes of the admin console's overview and of a site's activity ({@code GET /api/v1/admin/overview},
 * {@code GET /api/v1/admin/sites/{id}/activity}). Shares are fractions between 0 and 1, null when there was
 * nothing to divide; the failure share counts both failed deliveries and those to dead tokens.
 */
public final class OperatorViews {

    private OperatorViews() {
    }

    /**
     * Deliveries of one hour (all sites, or one site).
     *
     * @param hour         the hour's start
     * @param delivered    accepted by the push service
     * @param failed       given up
     * @param invalidToken to dead tokens
     * @param failureShare (failed + invalidToken) / all, or null
     */
    public record HourPoint(Instant hour, long delivered, long failed, long invalidToken, Double failureShare) {
    }

    /**
     * Sums over a period.
     *
     * @param delivered    accepted by the push service
     * @param failed       given up
     * @param invalidToken to dead tokens
     * @param total        all three
     * @param failureShare (failed + invalidToken) / total, or null
     */
    public record Totals(long delivered, long failed, long invalidToken, long total, Double failureShare) {
    }

    /**
     * One sample of the gateways' delivery queue.
     *
     * @param at        when
     * @param queued    recipients waiting
     * @param claimed   recipients being sent
     * @param oldestDue the earliest due time of a waiting recipient, or null
     */
    public record QueuePoint(Instant at, long queued, long claimed, Instant oldestDue) {
    }

    /**
     * A site and its volume over the period.
     *
     * @param siteId the site
     * @param url    its URL (null when the site row is gone)
     * @param name   its name
     * @param status its state
     * @param totals its deliveries
     */
    public record SiteVolume(String siteId, String url, String name, String status, Totals totals) {
    }

    /**
     * A site near or over one of its limits.
     *
     * @param siteId     the site
     * @param url        its URL
     * @param name       its name
     * @param limit      the limit: a gateway limit's name (notifications-minute, notifications-day,
     *                   broadcasts-day) or {@code users} (the registered user count against the hub's maximum)
     * @param capacity   the limit (null for {@code users})
     * @param remaining  what is left (null for {@code users})
     * @param usedShare  the share used (null for {@code users})
     * @param over       nothing left, or over the user maximum
     * @param since      when the figure was reported (for {@code users}: since when the site is over)
     * @param enforced   for {@code users}: the grace period ran out and the gateway refuses its sends
     */
    public record QuotaState(String siteId, String url, String name, String limit, Long capacity, Long remaining,
                             Double usedShare, boolean over, Instant since, boolean enforced) {
    }

    /**
     * An open abuse report, in short.
     *
     * @param id             the report
     * @param siteId         the site it names (null when unknown)
     * @param site           the URL or id the reporter gave
     * @param category       its category
     * @param count          identical reports folded into it
     * @param lastReportedAt when last reported
     */
    public record OpenReport(long id, String siteId, String site, String category, long count, Instant lastReportedAt) {
    }

    /**
     * Open abuse reports.
     *
     * @param total  how many are open
     * @param latest the most recent ones
     */
    public record OpenReports(long total, List<OpenReport> latest) {
    }

    /**
     * Devices of one platform.
     *
     * @param platform the Moodle app's platform (ios, android-fcm, ios-fcm, ...)
     * @param devices  how many confirmed device tokens
     */
    public record PlatformDevices(String platform, long devices) {
    }

    /**
     * The overview page.
     *
     * @param generatedAt   when
     * @param hours         the period in hours
     * @param deliveries    one point per hour, oldest first, hours without reports as zeros
     * @param totals        the period's sums
     * @param queue         queue samples of the period, oldest first
     * @param queueNow      the latest sample, or null
     * @param topSites      the sites with the most deliveries in the period, most first
     * @param quota         sites near (under 20 % left) or over a limit
     * @param openReports   open abuse reports
     * @param devices       confirmed devices of every site by platform
     */
    public record Overview(Instant generatedAt, int hours, List<HourPoint> deliveries, Totals totals, List<QueuePoint> queue,
                           QueuePoint queueNow, List<SiteVolume> topSites, List<QuotaState> quota, OpenReports openReports,
                           List<PlatformDevices> devices) {
    }

    /**
     * One site's activity.
     *
     * @param siteId             the site
     * @param hours              the period in hours
     * @param devices            its confirmed devices by platform
     * @param devicesTotal       all of them
     * @param devicesReportedAt  when the gateway last counted them (null: never)
     * @param deliveries         one point per hour, oldest first
     * @param totals             the period's sums
     */
    public record SiteActivity(String siteId, int hours, List<PlatformDevices> devices, long devicesTotal, Instant devicesReportedAt,
                               List<HourPoint> deliveries, Totals totals) {
    }
}
