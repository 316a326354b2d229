package net.moodlepushhub.hub.abuse;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.TypedQuery;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.mail.MailNotifier;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.registration.Secrets;
import net.moodlepushhub.hub.registration.Site;
import net.moodlepushhub.hub.registration.SiteUrls;
import net.moodlepushhub.hub.web.RateLimiter;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Abuse reports: taken from anyone, rate-limited per source address, folded when repeated, resolved by admins.
 *
 * <p>Whatever is reported, the reporter learns nothing about the site: a report about an unknown site is
 * stored (with no site attached) and answered exactly like one about a registered site.</p>
 */
@ApplicationScoped
public class AbuseReports {

    private static final Pattern SITE_ID = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    @Inject
    net.moodlepushhub.hub.metrics.HubMetrics metrics = net.moodlepushhub.hub.metrics.HubMetrics.disabled();

    @Inject
    HubDatabase db;

    @Inject
    HubSettings settings;

    @Inject
    AuditLog audit;

    @Inject
    MailNotifier mail;

    @Inject
    net.moodlepushhub.hub.web.SharedCaches caches;

    private RateLimiter perSource;

    /** A page of reports. */
    public record Page(long total, List<AbuseReport> reports) {
    }

    @PostConstruct
    void init() {
        perSource = caches.limiter("abuse-reports", settings.abuseReportsPerHour(), Duration.ofHours(1));
    }

    /**
     * Takes a report.
     *
     * @param request the report (validated for shape)
     * @param address the reporter's address
     * @throws ProblemException {@code 429 rate-limited} past {@code hub.abuse.reports-per-hour}
     */
    public void submit(AbuseReportRequest request, String address) {
        submit(request, address, true);
    }

    /**
     * Takes a report, optionally without the per-source limit (the gateway's automatic reports, which arrive
     * from one address for every site).
     *
     * @param request     the report
     * @param address     the reporter's address, or a fixed name for a trusted reporter
     * @param rateLimited whether the per-source limit applies
     */
    public void submit(AbuseReportRequest request, String address, boolean rateLimited) {
        OptionalLong wait = rateLimited ? perSource.tryAcquire(address) : OptionalLong.empty();
        if (wait.isPresent()) {
            metrics.rateLimited(net.moodlepushhub.hub.metrics.HubMetrics.LIMIT_ABUSE_REPORTS);
            throw Problem.of(CommonProblem.RATE_LIMITED, "Too many reports from this address; try again later.")
                    .withHeader("Retry-After", Long.toString(wait.getAsLong())).toException();
        }
        AbuseCategory category = AbuseCategory.fromWire(request.category);
        String ref = request.site.strip();
        String sourceHash = Secrets.hash("abuse-source:" + address);
        String contact = request.contact == null || request.contact.isBlank() ? null : request.contact.strip();
        Instant now = Instant.now();
        db.run(em -> {
            String siteId = resolveSite(em, ref);
            // Fold on the site when it is known, so "by id" and "by URL" reports of one site count together.
            String foldRef = siteId != null ? siteId : normalizedOrRaw(ref);
            List<AbuseReport> same = em.createQuery("select r from AbuseReport r where r.siteRef = :ref and r.category = :category"
                            + " and r.sourceHash = :source and r.status = :open and r.lastReportedAt > :since order by r.id desc", AbuseReport.class)
                    .setParameter("ref", foldRef).setParameter("category", category.wire()).setParameter("source", sourceHash)
                    .setParameter("open", AbuseReport.OPEN).setParameter("since", now.minus(settings.abuseFoldWindow()))
                    .setMaxResults(1).setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList();
            AbuseReport report;
            if (same.isEmpty()) {
                report = new AbuseReport(siteId, foldRef, category, request.description.strip(), contact, sourceHash, now);
                em.persist(report);
            } else {
                report = same.get(0);
                report.repeated(now);
            }
            // In the report's transaction: the site's admin and the operators are told exactly when it is stored.
            mail.abuseReported(em, siteId, foldRef, category.wire(), report.getReportCount(), !rateLimited, request.description.strip());
        });
    }

    /**
     * @param status only reports in this status (open, resolved), or null
     * @param siteId only reports about this site, or null
     * @param page   0-based page
     * @param size   page size
     * @return newest first
     */
    public Page list(String status, String siteId, int page, int size) {
        return db.inTransaction(em -> {
            String where = " where 1 = 1" + (status != null ? " and r.status = :status" : "") + (siteId != null ? " and r.siteId = :site" : "");
            TypedQuery<AbuseReport> q = em.createQuery("select r from AbuseReport r" + where + " order by r.lastReportedAt desc, r.id desc", AbuseReport.class);
            TypedQuery<Long> c = em.createQuery("select count(r) from AbuseReport r" + where, Long.class);
            for (TypedQuery<?> t : List.<TypedQuery<?>>of(q, c)) {
                if (status != null) {
                    t.setParameter("status", status);
                }
                if (siteId != null) {
                    t.setParameter("site", siteId);
                }
            }
            return new Page(c.getSingleResult(), q.setFirstResult(page * size).setMaxResults(size).getResultList());
        });
    }

    /**
     * @param em     a transaction
     * @param siteId the site
     * @return its reports, newest first (at most 200)
     */
    public List<AbuseReport> forSite(EntityManager em, String siteId) {
        return em.createQuery("select r from AbuseReport r where r.siteId = :site order by r.lastReportedAt desc", AbuseReport.class)
                .setParameter("site", siteId).setMaxResults(200).getResultList();
    }

    /**
     * @param em      a transaction
     * @param siteIds sites
     * @return for each site with open reports, the number of reports folded into them
     */
    public Map<String, Long> openReportCounts(EntityManager em, Collection<String> siteIds) {
        Map<String, Long> counts = new HashMap<>();
        if (siteIds.isEmpty()) {
            return counts;
        }
        List<Object[]> rows = em.createQuery("select r.siteId, sum(r.reportCount) from AbuseReport r where r.siteId in :ids"
                + " and r.status = :open group by r.siteId", Object[].class)
                .setParameter("ids", siteIds).setParameter("open", AbuseReport.OPEN).getResultList();
        for (Object[] row : rows) {
            counts.put((String) row[0], ((Number) row[1]).longValue());
        }
        return counts;
    }

    /**
     * Marks a report handled.
     *
     * @param id         the report
     * @param actor      the operator
     * @param resolution what was done
     * @return the report
     */
    public AbuseReport resolve(long id, String actor, String resolution) {
        return db.inTransaction(em -> {
            AbuseReport report = em.find(AbuseReport.class, id, LockModeType.PESSIMISTIC_WRITE);
            if (report == null) {
                throw Problem.of(HubProblem.REPORT_NOT_FOUND, "There is no abuse report with this id.").toException();
            }
            if (!AbuseReport.OPEN.equals(report.getStatus())) {
                throw Problem.of(HubProblem.REPORT_RESOLVED, "This report was resolved already.").toException();
            }
            report.resolve(actor, resolution, Instant.now());
            audit.record(em, actor, "resolve-report", AuditLog.REPORT, Long.toString(id), resolution,
                    report.getSiteId() == null ? "unknown site " + report.getSiteRef() : "site " + report.getSiteId());
            return report;
        });
    }

    private static String resolveSite(EntityManager em, String ref) {
        if (SITE_ID.matcher(ref).matches()) {
            Site site = em.find(Site.class, ref);
            return site == null ? null : site.getId();
        }
        String url = normalizedOrRaw(ref);
        // The live owner of the URL, else its most recent registration (a revoked or replaced site).
        List<String> ids = em.createQuery("select s.id from Site s where s.url = :url order by s.liveUrl desc, s.createdAt desc", String.class)
                .setParameter("url", url).setMaxResults(1).getResultList();
        return ids.isEmpty() ? null : ids.get(0);
    }

    private static String normalizedOrRaw(String ref) {
        try {
            return SiteUrls.normalize(ref);
        } catch (ProblemException notAUrl) {
            // Still stored for the admins to read; the reporter must not learn the difference.
            return ref.length() > 512 ? ref.substring(0, 512) : ref;
        }
    }
}
