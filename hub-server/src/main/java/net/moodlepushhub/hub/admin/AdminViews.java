package net.moodlepushhub.hub.admin;

import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import net.moodlepushhub.hub.abuse.AbuseReport;
import net.moodlepushhub.hub.audit.AuditEntry;
import net.moodlepushhub.hub.keys.IssuedKey;
import net.moodlepushhub.hub.moodle.MoodleSiteView;
import net.moodlepushhub.hub.quota.LimitsView;
import net.moodlepushhub.hub.quota.SiteQuota;
import net.moodlepushhub.hub.registration.Site;
import net.moodlepushhub.hub.registration.SiteViews;
import net.moodlepushhub.hub.registration.SiteViews.VerificationAttemptView;

import java.time.Instant;
import java.util.List;

/**
 * The admin API's JSON shapes, as records built from entities (which know nothing about HTTP), so that
 * {@code /openapi} describes every answer. The admin API always sends every member, {@code null} included.
 * A verification attempt looks the same here as to the site's own admin ({@link VerificationAttemptView}).
 */
public final class AdminViews {

    private AdminViews() {
    }

    /** A site as operators see it (the answer of every decision on a site). */
    @JsonbNillable
    @JsonbPropertyOrder({"siteId", "url", "name", "contactEmail", "status", "statusReason", "suspendedUntil", "revocationLiftedAt",
            "users", "activeUsers", "createdAt", "updatedAt", "verifiedAt"})
    public record SiteView(String siteId, String url, String name, String contactEmail, String status, String statusReason,
                    String suspendedUntil, String revocationLiftedAt, int users, int activeUsers, String createdAt,
                    String updatedAt, String verifiedAt) {
    }

    /** One row of a site search: the {@link SiteView} members and the open report count. */
    @JsonbNillable
    @JsonbPropertyOrder({"siteId", "url", "name", "contactEmail", "status", "statusReason", "suspendedUntil", "revocationLiftedAt",
            "users", "activeUsers", "createdAt", "updatedAt", "verifiedAt", "openReports"})
    public record SiteRow(String siteId, String url, String name, String contactEmail, String status, String statusReason,
                   String suspendedUntil, String revocationLiftedAt, int users, int activeUsers, String createdAt,
                   String updatedAt, String verifiedAt, long openReports) {
    }

    /**
     * A site in full: the {@link SiteView} members, its reports, quota, keys, verification attempts, audit
     * history and, for a site registered from Moodle's own pages, the Moodle side (member absent otherwise).
     */
    @JsonbPropertyOrder({"siteId", "url", "name", "contactEmail", "status", "statusReason", "suspendedUntil", "revocationLiftedAt",
            "users", "activeUsers", "createdAt", "updatedAt", "verifiedAt", "reports", "quota", "keys", "verificationAttempts",
            "history", "moodle"})
    public record SiteDetails(String siteId, String url, String name, String contactEmail, String status,
                       @JsonbNillable String statusReason, @JsonbNillable String suspendedUntil,
                       @JsonbNillable String revocationLiftedAt, int users, int activeUsers, String createdAt,
                       String updatedAt, @JsonbNillable String verifiedAt, List<ReportView> reports, QuotaView quota,
                       Keys keys, List<VerificationAttemptView> verificationAttempts, List<AuditView> history,
                       MoodleSiteView moodle) {
    }

    /** A site's keys: counts and the most recent ones. */
    @JsonbPropertyOrder({"live", "revoked", "items"})
    public record Keys(long live, long revoked, List<KeyView> items) {
    }

    /** An abuse report. */
    @JsonbNillable
    @JsonbPropertyOrder({"id", "siteId", "site", "category", "description", "contact", "count", "firstReportedAt", "lastReportedAt",
            "status", "resolvedAt", "resolvedBy", "resolution"})
    public record ReportView(Long id, String siteId, String site, String category, String description, String contact, int count,
                      String firstReportedAt, String lastReportedAt, String status, String resolvedAt, String resolvedBy,
                      String resolution) {
    }

    /** An audit log entry. */
    @JsonbNillable
    @JsonbPropertyOrder({"id", "at", "actor", "action", "subjectType", "subject", "reason", "detail"})
    public record AuditView(Long id, String at, String actor, String action, String subjectType, String subject, String reason,
                     String detail) {
    }

    /** An issued key (never the key itself). */
    @JsonbNillable
    @JsonbPropertyOrder({"jti", "siteId", "kind", "issuedAt", "expiresAt", "revokedAt", "revocationReason"})
    public record KeyView(String jti, String siteId, String kind, String issuedAt, String expiresAt, String revokedAt,
                   String revocationReason) {
    }

    /** A site's quota overrides and the user limit in force. */
    @JsonbPropertyOrder({"overrides", "effectiveMaxUsers"})
    public record QuotaView(LimitsView overrides, int effectiveMaxUsers) {
    }

    /** Quota overrides as stored, with who set them and when. */
    @JsonbNillable
    @JsonbPropertyOrder({"maxUsers", "maxDevices", "notificationsPerMinute", "notificationsPerDay", "broadcastsPerDay", "updatedBy",
            "updatedAt"})
    public record StoredLimitsView(Integer maxUsers, Integer maxDevices, Integer notificationsPerMinute, Integer notificationsPerDay,
                            Integer broadcastsPerDay, String updatedBy, String updatedAt) {
    }

    /**
     * A page of a list call.
     *
     * @param <T> the item view
     */
    @JsonbPropertyOrder({"total", "page", "size", "items"})
    public record PageView<T>(long total, int page, int size, List<T> items) {
    }

    static SiteView site(Site s) {
        return new SiteView(s.getId(), s.getUrl(), s.getName(), s.getContactEmail(), s.getStatus().wire(), s.getStatusReason(),
                time(s.getSuspendedUntil()), time(s.getRevocationLiftedAt()), s.getUsers(), s.getActiveUsers(),
                time(s.getCreatedAt()), time(s.getUpdatedAt()), time(s.getVerifiedAt()));
    }

    static SiteRow row(Site site, long openReports) {
        SiteView s = site(site);
        return new SiteRow(s.siteId(), s.url(), s.name(), s.contactEmail(), s.status(), s.statusReason(), s.suspendedUntil(),
                s.revocationLiftedAt(), s.users(), s.activeUsers(), s.createdAt(), s.updatedAt(), s.verifiedAt(), openReports);
    }

    static SiteDetails details(SiteAdministration.SiteView view, MoodleSiteView moodle) {
        SiteView s = site(view.site());
        long live = view.keys().stream().filter(k -> k.getRevokedAt() == null).count();
        return new SiteDetails(s.siteId(), s.url(), s.name(), s.contactEmail(), s.status(), s.statusReason(), s.suspendedUntil(),
                s.revocationLiftedAt(), s.users(), s.activeUsers(), s.createdAt(), s.updatedAt(), s.verifiedAt(),
                view.reports().stream().map(AdminViews::report).toList(),
                quota(view.quota(), view.maxUsers()),
                new Keys(live, view.keys().size() - live, view.keys().stream().map(AdminViews::key).toList()),
                view.attempts().stream().map(VerificationAttemptView::of).toList(),
                view.history().stream().map(AdminViews::audit).toList(),
                moodle);
    }

    static ReportView report(AbuseReport r) {
        return new ReportView(r.getId(), r.getSiteId(), r.getSiteRef(), r.getCategory(), r.getDescription(), r.getReporterContact(),
                r.getReportCount(), time(r.getFirstReportedAt()), time(r.getLastReportedAt()), r.getStatus(), time(r.getResolvedAt()),
                r.getResolvedBy(), r.getResolution());
    }

    static AuditView audit(AuditEntry a) {
        return new AuditView(a.getId(), time(a.getAt()), a.getActor(), a.getAction(), a.getSubjectType(), a.getSubject(),
                a.getReason(), a.getDetail());
    }

    static KeyView key(IssuedKey k) {
        return new KeyView(k.getJti(), k.getSiteId(), k.getKind(), time(k.getIssuedAt()), time(k.getExpiresAt()),
                time(k.getRevokedAt()), k.getRevocationReason());
    }

    static QuotaView quota(SiteQuota.Limits q, int effectiveMaxUsers) {
        return new QuotaView(limits(q), effectiveMaxUsers);
    }

    static LimitsView limits(SiteQuota.Limits q) {
        return LimitsView.overrides(q);
    }

    static StoredLimitsView stored(SiteQuota q) {
        SiteQuota.Limits l = q.limits();
        return new StoredLimitsView(l.maxUsers(), l.maxDevices(), l.notificationsPerMinute(), l.notificationsPerDay(),
                l.broadcastsPerDay(), q.getUpdatedBy(), time(q.getUpdatedAt()));
    }

    static <T> PageView<T> page(long total, int page, int size, List<T> items) {
        return new PageView<>(total, page, size, items);
    }

    static String time(Instant t) {
        return SiteViews.time(t);
    }
}
