package net.moodlepushhub.hub.quota;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.hub.HubSettings;

import java.time.Instant;

/**
 * The hub's per-site limits. The hub is a shared service paid for by one operator; a site larger than
 * {@code hub.quota.max-users} is expected to run its own gateway (this project is open source for that),
 * unless a hub admin gave that site a larger {@code maxUsers} override.
 */
@ApplicationScoped
public class QuotaPolicy {

    @Inject
    HubSettings settings;

    /**
     * Checks a site's user count against the hub default.
     *
     * @param users       the site's users
     * @param activeUsers its active users
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 403 quota-exceeded}, or
     *                                                          {@code 422 validation-failed} when active exceeds all
     */
    public void checkUsers(int users, int activeUsers) {
        checkUsers(users, activeUsers, SiteQuota.Limits.NONE);
    }

    /**
     * Checks a site's user count at registration and on every update, with the site's overrides.
     *
     * @param users       the site's users
     * @param activeUsers its active users
     * @param overrides   the site's overrides ({@link SiteQuota.Limits#NONE} when it has none)
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 403 quota-exceeded}, or
     *                                                          {@code 422 validation-failed} when active exceeds all
     */
    public void checkUsers(int users, int activeUsers, SiteQuota.Limits overrides) {
        if (activeUsers > users) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "activeUsers: must not be greater than users").toException();
        }
        int max = maxUsers(overrides);
        if (users > max) {
            throw Problem.of(HubProblem.QUOTA_EXCEEDED,
                    "This hub serves sites with at most " + max + " users; this site has " + users
                            + ". Run your own push gateway (this project is open source) and point Moodle's"
                            + " airnotifierurl at it.")
                    .with("limit", max)
                    .with("users", users)
                    .toException();
        }
    }

    /**
     * @param overrides a site's overrides
     * @return the user limit that applies to it
     */
    public int maxUsers(SiteQuota.Limits overrides) {
        return overrides.maxUsers() != null ? overrides.maxUsers() : settings.maxUsers();
    }

    /**
     * @param em     a transaction
     * @param siteId the site
     * @return its overrides, {@link SiteQuota.Limits#NONE} when it has none
     */
    public SiteQuota.Limits overrides(EntityManager em, String siteId) {
        SiteQuota q = siteId == null ? null : em.find(SiteQuota.class, siteId);
        return q == null ? SiteQuota.Limits.NONE : q.limits();
    }

    /**
     * Sets a site's overrides inside the caller's transaction.
     *
     * @param em     the transaction
     * @param siteId the site
     * @param limits the new limits
     * @param by     who
     * @param now    the current time
     * @return the stored overrides
     */
    public SiteQuota set(EntityManager em, String siteId, SiteQuota.Limits limits, String by, Instant now) {
        SiteQuota q = em.find(SiteQuota.class, siteId);
        if (q == null) {
            q = new SiteQuota(siteId);
            q.set(limits, by, now);
            em.persist(q);
        } else {
            q.set(limits, by, now);
        }
        return q;
    }
}
