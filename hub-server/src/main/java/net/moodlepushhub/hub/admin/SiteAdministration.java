package net.moodlepushhub.hub.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.TypedQuery;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.hub.abuse.AbuseReport;
import net.moodlepushhub.hub.abuse.AbuseReports;
import net.moodlepushhub.hub.audit.AuditEntry;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.keys.IssuedKey;
import net.moodlepushhub.hub.keys.RevocationEvent;
import net.moodlepushhub.hub.keys.RevocationFeed;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.quota.QuotaPolicy;
import net.moodlepushhub.hub.quota.SiteQuota;
import net.moodlepushhub.hub.registration.Site;
import net.moodlepushhub.hub.registration.SiteLifecycle;
import net.moodlepushhub.hub.registration.SiteStatus;
import net.moodlepushhub.hub.registration.VerificationAttempt;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * What hub admins do to sites and keys: search and read them, suspend, reinstate, revoke, lift a revocation,
 * revoke one key, set quota overrides. Each decision is one transaction ({@link HubDatabase#inRetryingTransaction})
 * in which {@link SiteLifecycle} changes the site, appends the gateway's feed event and writes the audit entry
 * together; the feed's readers are woken after the commit, so a gateway long-polling the feed learns of it within
 * its next round trip. The site's own admin's use cases are {@code RegistrationService}'s.
 */
@ApplicationScoped
public class SiteAdministration {

    private static final Logger LOG = Logger.getLogger(SiteAdministration.class.getName());

    @Inject
    HubDatabase db;

    @Inject
    RevocationFeed feed;

    @Inject
    AuditLog audit;

    @Inject
    QuotaPolicy quota;

    @Inject
    net.moodlepushhub.hub.moodle.MoodleQuota moodleQuota;

    @Inject
    AbuseReports reports;

    @Inject
    SiteLifecycle lifecycle;

    /** One row of a site search. */
    public record SiteRow(Site site, long openReports) {
    }

    /** A page of a site search. */
    public record SitePage(long total, List<SiteRow> rows) {
    }

    /** Everything an operator sees about one site. */
    public record SiteView(Site site, List<AbuseReport> reports, SiteQuota.Limits quota, int maxUsers, List<IssuedKey> keys,
                           List<VerificationAttempt> attempts, List<AuditEntry> history) {
    }

    /**
     * @param urlContains a URL substring, or null
     * @param status      a status, or null
     * @param minReports  only sites with at least this many open reports (0: all)
     * @param page        0-based page
     * @param size        page size
     * @return the sites, most recently changed first
     */
    public SitePage search(String urlContains, SiteStatus status, int minReports, int page, int size) {
        return db.inTransaction(em -> {
            String where = " where 1 = 1"
                    + (urlContains != null ? " and lower(s.url) like :url escape '!'" : "")
                    + (status != null ? " and s.status = :status" : "")
                    + (minReports > 0 ? " and (select sum(r.reportCount) from AbuseReport r where r.siteId = s.id and r.status = 'open') >= :min" : "");
            TypedQuery<Site> q = em.createQuery("select s from Site s" + where + " order by s.updatedAt desc, s.id", Site.class);
            TypedQuery<Long> c = em.createQuery("select count(s) from Site s" + where, Long.class);
            for (TypedQuery<?> t : List.<TypedQuery<?>>of(q, c)) {
                if (urlContains != null) {
                    t.setParameter("url", "%" + urlContains.toLowerCase().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
                }
                if (status != null) {
                    t.setParameter("status", status);
                }
                if (minReports > 0) {
                    t.setParameter("min", (long) minReports);
                }
            }
            List<Site> sites = q.setFirstResult(page * size).setMaxResults(size).getResultList();
            Map<String, Long> counts = reports.openReportCounts(em, sites.stream().map(Site::getId).toList());
            return new SitePage(c.getSingleResult(), sites.stream().map(s -> new SiteRow(s, counts.getOrDefault(s.getId(), 0L))).toList());
        });
    }

    /**
     * @param siteId the site
     * @return its details, reports, quota, keys, verification and audit history
     */
    public SiteView view(String siteId) {
        return db.inTransaction(em -> {
            Site site = find(em, siteId, false);
            List<IssuedKey> issued = em.createQuery("select k from IssuedKey k where k.siteId = :site order by k.issuedAt desc", IssuedKey.class)
                    .setParameter("site", siteId).setMaxResults(200).getResultList();
            List<VerificationAttempt> attempts = em.createQuery(
                    "select a from VerificationAttempt a where a.siteId = :site order by a.attemptedAt desc", VerificationAttempt.class)
                    .setParameter("site", siteId).setMaxResults(100).getResultList();
            List<AuditEntry> history = em.createQuery("select a from AuditEntry a where a.subjectType = :type and a.subject = :site order by a.id desc", AuditEntry.class)
                    .setParameter("type", AuditLog.SITE).setParameter("site", siteId).setMaxResults(100).getResultList();
            SiteQuota.Limits limits = quota.overrides(em, siteId);
            return new SiteView(site, reports.forSite(em, siteId), limits, quota.maxUsers(limits), issued, attempts, history);
        });
    }

    /**
     * Suspends an active site: the gateway refuses its keys and holds its notifications until it is reinstated,
     * by an admin or when {@code until} passes.
     *
     * @param siteId the site
     * @param actor  the operator
     * @param reason why
     * @param until  when the suspension ends by itself, or null for "until reinstated"
     * @return the site
     */
    public Site suspend(String siteId, String actor, String reason, Instant until) {
        Instant now = Instant.now();
        if (until != null && !until.isAfter(now)) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "until: must be in the future").toException();
        }
        return db.inRetryingTransaction(em -> {
            Site site = find(em, siteId, true);
            lifecycle.suspend(em, site, actor, reason, until, now);
            return site;
        });
    }

    /**
     * Ends a suspension: the gateway accepts the site's keys again and releases its held notifications.
     *
     * @param siteId the site
     * @param actor  the operator, or {@link AuditLog#SYSTEM} when the suspension ran out
     * @param reason why (may be null)
     * @return the site
     */
    public Site reinstate(String siteId, String actor, String reason) {
        return db.inRetryingTransaction(em -> {
            Site site = find(em, siteId, true);
            lifecycle.reinstate(em, site, actor, reason, Instant.now());
            return site;
        });
    }

    /**
     * Revokes a site for good: its keys are revoked and its URL cannot register again until an admin lifts the
     * revocation.
     *
     * @param siteId the site
     * @param actor  the operator
     * @param reason why
     * @return the site
     */
    public Site revoke(String siteId, String actor, String reason) {
        return db.inRetryingTransaction(em -> {
            Site site = find(em, siteId, true);
            lifecycle.revoke(em, site, actor, reason, Instant.now());
            return site;
        });
    }

    /**
     * Lets a revoked site's URL register again. The revoked site itself stays revoked.
     *
     * @param siteId the revoked site
     * @param actor  the operator
     * @param reason why
     * @return the site
     */
    public Site liftRevocation(String siteId, String actor, String reason) {
        return db.inRetryingTransaction(em -> {
            Site site = find(em, siteId, true);
            lifecycle.liftRevocation(em, site, actor, reason, Instant.now());
            return site;
        });
    }

    /**
     * Revokes one access key.
     *
     * @param jti    the key's id
     * @param actor  the operator
     * @param reason why
     * @return the key's record
     */
    public IssuedKey revokeKey(String jti, String actor, String reason) {
        return db.inRetryingTransaction(em -> {
            IssuedKey key = jti == null || jti.length() > 36 ? null : em.find(IssuedKey.class, jti, LockModeType.PESSIMISTIC_WRITE);
            if (key == null) {
                throw Problem.of(HubProblem.KEY_NOT_FOUND, "There is no key with this jti.").toException();
            }
            if (key.getRevokedAt() != null) {
                throw Problem.of(HubProblem.KEY_REVOKED, "This key was revoked already (" + key.getRevocationReason() + ").").toException();
            }
            Instant now = Instant.now();
            key.revoke("admin", now);
            feed.append(em, new RevocationEvent(RevocationEvent.KEY, jti, RevocationEvent.REVOKE, key.getExpiresAt(), now));
            audit.record(em, actor, "revoke-key", AuditLog.KEY, jti, reason, "site " + key.getSiteId() + ", " + key.getKind() + " key");
            return key;
        });
    }

    /**
     * Replaces a site's quota overrides.
     *
     * @param siteId the site
     * @param actor  the operator
     * @param limits the new limits (nulls: hub default)
     * @return the stored overrides
     */
    public SiteQuota setQuota(String siteId, String actor, SiteQuota.Limits limits) {
        return db.inTransaction(em -> {
            find(em, siteId, false);
            SiteQuota q = quota.set(em, siteId, limits, actor, Instant.now());
            audit.record(em, actor, "set-quota", AuditLog.SITE, siteId, null, limits.toString());
            // A raised user limit ends a Moodle site's over-quota state (and the gateways' refusal) at once.
            // (Its feed event wakes the feed's readers after the commit.)
            moodleQuota.reevaluate(em, siteId, actor);
            return q;
        });
    }

    /**
     * Reinstates every suspended site whose suspension end passed; called by {@link SuspensionScheduler}.
     *
     * @return how many were reinstated
     */
    public int reinstateExpired() {
        Instant now = Instant.now();
        List<String> due = db.inTransaction(em -> em.createQuery(
                "select s.id from Site s where s.status = :suspended and s.suspendedUntil is not null and s.suspendedUntil <= :now", String.class)
                .setParameter("suspended", SiteStatus.SUSPENDED).setParameter("now", now).setMaxResults(500).getResultList());
        int done = 0;
        for (String id : due) {
            try {
                db.run(em -> {
                    // Re-checked under the row lock: an admin (or another hub instance) may have acted meanwhile.
                    Site site = em.find(Site.class, id, LockModeType.PESSIMISTIC_WRITE);
                    if (site != null && site.getStatus() == SiteStatus.SUSPENDED && site.getSuspendedUntil() != null
                            && !site.getSuspendedUntil().isAfter(Instant.now())) {
                        lifecycle.reinstate(em, site, AuditLog.SYSTEM, "suspension ended", Instant.now());
                    }
                });
                done++;
            } catch (RuntimeException e) {
                LOG.warning(() -> "Could not reinstate site " + id + " at the end of its suspension: " + e);
            }
        }
        return done;
    }

    private static Site find(EntityManager em, String siteId, boolean lock) {
        Site site = siteId == null || siteId.length() > 36 ? null
                : lock ? em.find(Site.class, siteId, LockModeType.PESSIMISTIC_WRITE) : em.find(Site.class, siteId);
        if (site == null) {
            throw Problem.of(HubProblem.SITE_NOT_FOUND, "There is no site with this id.").toException();
        }
        return site;
    }
}
