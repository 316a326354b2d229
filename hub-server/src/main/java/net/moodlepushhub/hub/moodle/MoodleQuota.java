package net.moodlepushhub.hub.moodle;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.keys.RevocationEvent;
import net.moodlepushhub.hub.keys.RevocationFeed;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.quota.QuotaPolicy;
import net.moodlepushhub.hub.registration.Site;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The user quota of Moodle-registered sites, from the {@code users} count Moodle reports. A site over the
 * limit in force ({@code hub.quota.max-users} or its override) is marked over quota at once and keeps
 * working for {@code hub.quota.grace}; after that the gateways are told through the revocation feed
 * ({@code over-quota}) to refuse its sends, until a report is back under the limit or an admin raises the
 * override ({@code within-quota}). Every transition is audited.
 *
 * <p>Unlike the JSON API, which refuses an over-limit registration outright, Moodle's registration cannot be
 * refused after the fact without Moodle forgetting it, and a site grows past the limit gradually: the grace
 * period lets its admin move to an own gateway (or ask for more) before notifications stop.</p>
 */
@ApplicationScoped
public class MoodleQuota {

    private static final Logger LOG = Logger.getLogger(MoodleQuota.class.getName());

    @Inject
    HubDatabase db;

    @Inject
    HubSettings settings;

    @Inject
    QuotaPolicy quota;

    @Inject
    AuditLog audit;

    @Inject
    RevocationFeed feed;

    /** The container's scheduler, as the mail worker uses: no thread of our own to start and stop. */
    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService executor;

    private ScheduledFuture<?> schedule;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        long millis = settings.quotaCheckInterval().toMillis();
        schedule = executor.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (schedule != null) {
            schedule.cancel(false);
        }
    }

    private void check() {
        try {
            int n = enforceExpiredGrace();
            if (n > 0) {
                LOG.info(() -> n + " site(s) over quota past the grace period; gateways told to refuse their sends");
            }
        } catch (RuntimeException e) {
            // Keep the schedule alive: one failed round (database down) must not end all future checks.
            LOG.log(Level.WARNING, "Quota grace check failed", e);
        }
    }

    /**
     * Compares the site's users with the limit in force and records a transition, inside the caller's
     * transaction (a feed event wakes the feed's readers once the transaction commits).
     *
     * @param em    the transaction
     * @param site  the site, with its current users
     * @param m     its Moodle registration (locked by the caller)
     * @param actor who caused the evaluation (the site, or an operator changing the override)
     * @param now   the current time
     * @return true when a feed event was appended
     */
    boolean evaluate(EntityManager em, Site site, MoodleRegistration m, String actor, Instant now) {
        int max = quota.maxUsers(quota.overrides(em, site.getId()));
        boolean over = site.getUsers() > max;
        if (over && m.getOverQuotaSince() == null) {
            m.setOverQuotaSince(now);
            audit.record(em, actor, "over-quota", AuditLog.SITE, site.getId(), null,
                    "users " + site.getUsers() + " > limit " + max + "; sends refused after " + settings.quotaGrace());
            return false;
        }
        if (!over && m.getOverQuotaSince() != null) {
            m.setOverQuotaSince(null);
            boolean wasEnforced = m.isQuotaEnforced();
            m.setQuotaEnforced(false);
            audit.record(em, actor, "within-quota", AuditLog.SITE, site.getId(), null,
                    "users " + site.getUsers() + " <= limit " + max + (wasEnforced ? "; sends allowed again" : ""));
            if (wasEnforced) {
                feed.append(em, new RevocationEvent(RevocationEvent.SITE, site.getId(), RevocationEvent.WITHIN_QUOTA, null, now));
                return true;
            }
        }
        return false;
    }

    /**
     * Re-evaluates a site after an admin changed its overrides, inside the caller's transaction (no-op for a
     * site that did not register from Moodle).
     *
     * @param em     the transaction
     * @param siteId the site
     * @param actor  the operator
     * @return true when a feed event was appended (wake the readers after the commit)
     */
    public boolean reevaluate(EntityManager em, String siteId, String actor) {
        MoodleRegistration m = em.find(MoodleRegistration.class, siteId, LockModeType.PESSIMISTIC_WRITE);
        Site site = em.find(Site.class, siteId);
        if (m == null || site == null || !site.getStatus().isLive()) {
            return false;
        }
        return evaluate(em, site, m, actor, Instant.now());
    }

    /**
     * Tells the gateways to refuse the sends of every live site whose grace period ran out; called by the
     * schedule, every {@code hub.quota.check-interval}. Safe with several hub instances: each decision
     * re-checks the site under a row lock.
     *
     * @return how many sites were refused
     */
    public int enforceExpiredGrace() {
        Instant cutoff = Instant.now().minus(settings.quotaGrace());
        List<String> due = db.inTransaction(em -> em.createQuery(
                        "select m.siteId from MoodleRegistration m where m.overQuotaSince is not null and m.overQuotaSince <= :cutoff"
                                + " and m.quotaEnforced = false", String.class)
                .setParameter("cutoff", cutoff).setMaxResults(500).getResultList());
        int done = 0;
        for (String id : due) {
            Boolean enforced = db.inTransaction(em -> {
                MoodleRegistration m = em.find(MoodleRegistration.class, id, LockModeType.PESSIMISTIC_WRITE);
                Site site = em.find(Site.class, id);
                Instant now = Instant.now();
                if (m == null || site == null || !site.getStatus().isLive() || m.isQuotaEnforced() || m.getOverQuotaSince() == null
                        || m.getOverQuotaSince().isAfter(now.minus(settings.quotaGrace()))) {
                    return false;
                }
                // The override may have changed since the site was marked: settle it first.
                evaluate(em, site, m, AuditLog.SYSTEM, now);
                if (m.getOverQuotaSince() == null) {
                    return false;
                }
                m.setQuotaEnforced(true);
                feed.append(em, new RevocationEvent(RevocationEvent.SITE, id, RevocationEvent.OVER_QUOTA, null, now));
                audit.record(em, AuditLog.SYSTEM, "quota-enforced", AuditLog.SITE, id, "over quota since " + m.getOverQuotaSince()
                        + " (grace " + settings.quotaGrace() + ")", "gateways refuse the site's sends");
                return true;
            });
            if (Boolean.TRUE.equals(enforced)) {
                done++;
            }
        }
        return done;
    }
}
