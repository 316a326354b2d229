package net.moodlepushhub.hub.admin;

import net.moodlepushhub.hub.abuse.AbuseReport;
import net.moodlepushhub.hub.audit.AuditEntry;
import net.moodlepushhub.hub.keys.IssuedKey;
import net.moodlepushhub.hub.quota.SiteQuota;
import net.moodlepushhub.hub.registration.Site;
import net.moodlepushhub.hub.registration.VerificationAttempt;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The admin API's JSON shapes, built from entities (which know nothing about HTTP). */
final class AdminViews {

    private AdminViews() {
    }

    static Map<String, Object> site(Site s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("siteId", s.getId());
        m.put("url", s.getUrl());
        m.put("name", s.getName());
        m.put("contactEmail", s.getContactEmail());
        m.put("status", s.getStatus().wire());
        m.put("statusReason", s.getStatusReason());
        m.put("suspendedUntil", time(s.getSuspendedUntil()));
        m.put("revocationLiftedAt", time(s.getRevocationLiftedAt()));
        m.put("users", s.getUsers());
        m.put("activeUsers", s.getActiveUsers());
        m.put("createdAt", time(s.getCreatedAt()));
        m.put("updatedAt", time(s.getUpdatedAt()));
        m.put("verifiedAt", time(s.getVerifiedAt()));
        return m;
    }

    static Map<String, Object> report(AbuseReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.getId());
        m.put("siteId", r.getSiteId());
        m.put("site", r.getSiteRef());
        m.put("category", r.getCategory());
        m.put("description", r.getDescription());
        m.put("contact", r.getReporterContact());
        m.put("count", r.getReportCount());
        m.put("firstReportedAt", time(r.getFirstReportedAt()));
        m.put("lastReportedAt", time(r.getLastReportedAt()));
        m.put("status", r.getStatus());
        m.put("resolvedAt", time(r.getResolvedAt()));
        m.put("resolvedBy", r.getResolvedBy());
        m.put("resolution", r.getResolution());
        return m;
    }

    static Map<String, Object> audit(AuditEntry a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.getId());
        m.put("at", time(a.getAt()));
        m.put("actor", a.getActor());
        m.put("action", a.getAction());
        m.put("subjectType", a.getSubjectType());
        m.put("subject", a.getSubject());
        m.put("reason", a.getReason());
        m.put("detail", a.getDetail());
        return m;
    }

    static Map<String, Object> key(IssuedKey k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jti", k.getJti());
        m.put("siteId", k.getSiteId());
        m.put("kind", k.getKind());
        m.put("issuedAt", time(k.getIssuedAt()));
        m.put("expiresAt", time(k.getExpiresAt()));
        m.put("revokedAt", time(k.getRevokedAt()));
        m.put("revocationReason", k.getRevocationReason());
        return m;
    }

    static Map<String, Object> attempt(VerificationAttempt a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attemptedAt", time(a.getAttemptedAt()));
        m.put("url", a.getChallengeUrl());
        m.put("resolvedAddress", a.getResolvedAddress());
        m.put("outcome", a.getOutcome());
        m.put("detail", a.getDetail());
        return m;
    }

    static Map<String, Object> quota(SiteQuota.Limits q, int effectiveMaxUsers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("overrides", limits(q));
        m.put("effectiveMaxUsers", effectiveMaxUsers);
        return m;
    }

    static Map<String, Object> limits(SiteQuota.Limits q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxUsers", q.maxUsers());
        m.put("maxDevices", q.maxDevices());
        m.put("notificationsPerMinute", q.notificationsPerMinute());
        m.put("notificationsPerDay", q.notificationsPerDay());
        m.put("broadcastsPerDay", q.broadcastsPerDay());
        return m;
    }

    static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
