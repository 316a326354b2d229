package net.moodlepushhub.hub.registration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.keys.KeyIssuer;
import net.moodlepushhub.hub.keys.RevocationEvent;
import net.moodlepushhub.hub.keys.RevocationFeed;

import java.time.Instant;
import java.util.logging.Logger;

/**
 * The consequences of a site's life-cycle transitions, applied in the caller's transaction: the {@link Site}
 * method checks that the transition is legal and changes the row; this bean appends the revocation feed's
 * events (whose readers the feed wakes after the commit), revokes keys and writes the audit entry. Every
 * transition of every site goes through here, whoever decides it: the site's admin
 * ({@link RegistrationService}), a hub admin ({@code SiteAdministration}) or the hub itself.
 */
@ApplicationScoped
public class SiteLifecycle {

    private static final Logger LOG = Logger.getLogger(SiteLifecycle.class.getName());

    @Inject
    KeyIssuer keys;

    @Inject
    RevocationFeed feed;

    @Inject
    AuditLog audit;

    /**
     * pending -> active. Issuing the new keys is the caller's (they are its answer).
     *
     * @param em                  the transaction
     * @param site                the pending site, locked
     * @param managementTokenHash hash of the new management token
     * @param now                 the current time
     */
    public void activate(EntityManager em, Site site, String managementTokenHash, Instant now) {
        site.activate(managementTokenHash, now);
        audit.record(em, AuditLog.SITE_ADMIN, "activate", AuditLog.SITE, site.getId(), "URL ownership verified", null);
    }

    /**
     * active -> suspended: the gateways refuse the site's keys and hold its notifications.
     *
     * @param em     the transaction
     * @param site   the site, locked
     * @param actor  the operator
     * @param reason why
     * @param until  when the suspension ends by itself, or null
     * @param now    the current time
     */
    public void suspend(EntityManager em, Site site, String actor, String reason, Instant until, Instant now) {
        site.suspend(reason, until, now);
        feed.append(em, new RevocationEvent(RevocationEvent.SITE, site.getId(), RevocationEvent.SUSPEND, null, now));
        audit.record(em, actor, "suspend", AuditLog.SITE, site.getId(), reason, until == null ? null : "until " + until);
    }

    /**
     * suspended -> active.
     *
     * @param em     the transaction
     * @param site   the site, locked
     * @param actor  the operator, or {@link AuditLog#SYSTEM} when the suspension ran out
     * @param reason why (may be null)
     * @param now    the current time
     */
    public void reinstate(EntityManager em, Site site, String actor, String reason, Instant now) {
        site.reinstate(reason, now);
        feed.append(em, new RevocationEvent(RevocationEvent.SITE, site.getId(), RevocationEvent.REINSTATE, null, now));
        audit.record(em, actor, "reinstate", AuditLog.SITE, site.getId(), reason, null);
    }

    /**
     * -> revoked, for good: keys revoked, the URL blocked until an admin lifts the revocation.
     *
     * @param em     the transaction
     * @param site   the site, locked
     * @param actor  the operator
     * @param reason why
     * @param now    the current time
     */
    public void revoke(EntityManager em, Site site, String actor, String reason, Instant now) {
        site.revoke(reason, now);
        int revoked = ended(em, site, "site-revoked", now);
        audit.record(em, actor, "revoke", AuditLog.SITE, site.getId(), reason, revoked + " key(s) revoked; URL " + site.getUrl() + " blocked");
    }

    /**
     * -> unregistered, by the site's own admin: the URL is released and every key revoked.
     *
     * @param em   the transaction
     * @param site the site (locked or freshly read in {@code em})
     * @param now  the current time
     */
    public void unregister(EntityManager em, Site site, Instant now) {
        site.unregister("unregistered by the site admin", now);
        ended(em, site, "unregistered", now);
        audit.record(em, AuditLog.SITE_ADMIN, "unregister", AuditLog.SITE, site.getId(), null, null);
    }

    /**
     * active -> replaced, when a newer registration of the same URL passed its verification.
     *
     * @param em       the transaction
     * @param previous the live site of the URL
     * @param byId     the newly verified registration
     * @param now      the current time
     */
    public void replace(EntityManager em, Site previous, String byId, Instant now) {
        String reason = "replaced by verified registration " + byId;
        previous.replace(reason, now);
        ended(em, previous, "replaced", now);
        audit.record(em, AuditLog.SYSTEM, "replace", AuditLog.SITE, previous.getId(), reason, null);
        LOG.info(() -> "Site " + previous.getId() + " replaced by " + byId + " for " + previous.getUrl());
    }

    /**
     * A revoked site's URL may register again; the site stays revoked.
     *
     * @param em     the transaction
     * @param site   the revoked site, locked
     * @param actor  the operator
     * @param reason why
     * @param now    the current time
     */
    public void liftRevocation(EntityManager em, Site site, String actor, String reason, Instant now) {
        site.liftRevocation(now);
        audit.record(em, actor, "lift-revocation", AuditLog.SITE, site.getId(), reason, "URL " + site.getUrl() + " may register again");
    }

    /** What every end of a registration entails: its keys revoked, and the gateways told the site is gone. */
    private int ended(EntityManager em, Site site, String keyReason, Instant now) {
        int revoked = keys.revokeAll(em, site.getId(), keyReason, now);
        feed.append(em, new RevocationEvent(RevocationEvent.SITE, site.getId(), RevocationEvent.REVOKE, null, now));
        return revoked;
    }
}
