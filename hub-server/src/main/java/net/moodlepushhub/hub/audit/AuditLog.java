package net.moodlepushhub.hub.audit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import net.moodlepushhub.hub.persistence.HubDatabase;

import java.time.Instant;
import java.util.List;

/**
 * Records every site state change and admin action in the append-only {@code audit_log}, inside the
 * transaction of the change itself: a change is never committed without its record, nor the reverse.
 */
@ApplicationScoped
public class AuditLog {

    /** Actor of changes made by a site's own admin (with the management token). */
    public static final String SITE_ADMIN = "site-admin";
    /** Actor of changes made by the hub itself (a suspension running out, a registration replaced). */
    public static final String SYSTEM = "system";

    /** Subject type: a site, by id. */
    public static final String SITE = "site";
    /** Subject type: an access key, by jti. */
    public static final String KEY = "key";
    /** Subject type: an abuse report, by id. */
    public static final String REPORT = "report";
    /** Subject type: an operator account, by username. */
    public static final String OPERATOR = "operator";

    @Inject
    HubDatabase db;

    @Inject
    Event<AuditRecorded> recorded;

    /** A page of entries. */
    public record Page(long total, List<AuditEntry> entries) {
    }

    /**
     * Appends an entry inside the caller's transaction, and tells the synchronous observers of
     * {@link AuditRecorded} (the e-mail outbox) in the same transaction.
     *
     * @param em          the transaction of the change being recorded
     * @param actor       an operator's username, {@link #SITE_ADMIN} or {@link #SYSTEM}
     * @param action      what happened, a short slug (suspend, reinstate, revoke, ...)
     * @param subjectType {@link #SITE}, {@link #KEY}, {@link #REPORT} or {@link #OPERATOR}
     * @param subject     the subject's id
     * @param reason      why, as given by the actor (may be null)
     * @param detail      anything else worth keeping (may be null)
     */
    public void record(EntityManager em, String actor, String action, String subjectType, String subject, String reason, String detail) {
        em.persist(new AuditEntry(Instant.now(), actor, action, subjectType, subject, clip(reason, 512), clip(detail, 1024)));
        recorded.fire(new AuditRecorded(em, actor, action, subjectType, subject, reason, detail));
    }

    /**
     * Reads entries, newest first.
     *
     * @param subjectType only this subject type, or null
     * @param subject     only this subject, or null
     * @param actor       only this actor, or null
     * @param page        0-based page
     * @param size        page size
     * @return the page
     */
    public Page read(String subjectType, String subject, String actor, int page, int size) {
        return db.inTransaction(em -> {
            String where = " where 1 = 1"
                    + (subjectType != null ? " and a.subjectType = :type" : "")
                    + (subject != null ? " and a.subject = :subject" : "")
                    + (actor != null ? " and a.actor = :actor" : "");
            TypedQuery<AuditEntry> q = em.createQuery("select a from AuditEntry a" + where + " order by a.id desc", AuditEntry.class);
            TypedQuery<Long> c = em.createQuery("select count(a) from AuditEntry a" + where, Long.class);
            for (TypedQuery<?> t : List.<TypedQuery<?>>of(q, c)) {
                if (subjectType != null) {
                    t.setParameter("type", subjectType);
                }
                if (subject != null) {
                    t.setParameter("subject", subject);
                }
                if (actor != null) {
                    t.setParameter("actor", actor);
                }
            }
            return new Page(c.getSingleResult(), q.setFirstResult(page * size).setMaxResults(size).getResultList());
        });
    }

    private static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
