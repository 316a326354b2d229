package net.moodlepushhub.hub.registration;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;

/** A Moodle site's registration with the hub. Holds no HTTP concerns. */
@Entity
@Table(name = "site")
public class Site {

    @Id
    @Column(name = "id", length = 36)
    private String id;

    @Column(name = "url", nullable = false, length = 512)
    private String url;

    @Column(name = "live_url", length = 512)
    private String liveUrl;

    @Column(name = "name", nullable = false)
    private String name;

    @Column(name = "contact_email", nullable = false)
    private String contactEmail;

    @Column(name = "users", nullable = false)
    private int users;

    @Column(name = "active_users", nullable = false)
    private int activeUsers;

    @Enumerated(EnumType.STRING)
    @Column(name = "status", nullable = false, length = 16)
    private SiteStatus status;

    @Column(name = "management_token_hash", length = 64)
    private String managementTokenHash;

    @Column(name = "moodle_site_id_hash", length = 64)
    private String moodleSiteIdHash;

    @Column(name = "challenge_token", nullable = false, length = 64)
    private String challengeToken;

    @Column(name = "challenge_content", nullable = false, length = 128)
    private String challengeContent;

    @Column(name = "challenge_expires_at", nullable = false)
    private Instant challengeExpiresAt;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Column(name = "verified_at")
    private Instant verifiedAt;

    @Column(name = "status_reason", length = 512)
    private String statusReason;

    @Column(name = "suspended_until")
    private Instant suspendedUntil;

    @Column(name = "revocation_lifted_at")
    private Instant revocationLiftedAt;

    @Version
    @Column(name = "row_version", nullable = false)
    private long rowVersion;

    /**
     * The new management token's first characters, for the confirmation e-mail written in the same transaction
     * (the admin can tell which token it is about); never stored, and never the token.
     */
    @jakarta.persistence.Transient
    private String managementTokenHint;

    protected Site() {
    }

    /**
     * Creates a pending registration.
     *
     * @param id        the new site id
     * @param url       the normalised site URL
     * @param name      the site name
     * @param email     the admin contact
     * @param users     Moodle's count of users (not deleted)
     * @param active    users active in the last 30 days
     * @param challenge the ownership challenge
     * @param now       the current time
     */
    public Site(String id, String url, String name, String email, int users, int active, Challenge challenge, Instant now) {
        this.id = id;
        this.url = url;
        this.name = name;
        this.contactEmail = email;
        this.users = users;
        this.activeUsers = active;
        this.status = SiteStatus.PENDING;
        this.challengeToken = challenge.token();
        this.challengeContent = challenge.content();
        this.challengeExpiresAt = challenge.expiresAt();
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** @return the ownership challenge of this registration */
    public Challenge challenge() {
        return new Challenge(challengeToken, challengeContent, challengeExpiresAt);
    }

    /**
     * What can happen to a site. Each action is allowed from some states only; {@link #refusal} is the whole
     * table, and every method below that changes the status checks it first.
     */
    public enum Action {
        /** pending -> active: the URL ownership was proved. */
        ACTIVATE("activated"),
        /** active -> suspended, by a hub admin. */
        SUSPEND("suspended"),
        /** suspended -> active, by a hub admin or when the suspension ends. */
        REINSTATE("reinstated"),
        /** pending|active|suspended -> revoked, by a hub admin; final. */
        REVOKE("revoked"),
        /** revoked (not lifted yet): the URL may register again; the site stays revoked. */
        LIFT_REVOCATION("lifted"),
        /** pending|active -> unregistered, by the site's admin (not while suspended: that would be a way out). */
        UNREGISTER("unregistered"),
        /** active -> replaced, by a newer verified registration of the URL (not while suspended). */
        REPLACE("replaced"),
        /** Details change (name, contact, user counts); any state but an ended one. */
        UPDATE("changed"),
        /** New keys; active sites only. */
        ROTATE_KEYS("given new keys");

        private final String pastTense;

        Action(String pastTense) {
            this.pastTense = pastTense;
        }

        /** @return the action's past participle, for messages ("a revoked site cannot be suspended") */
        public String pastTense() {
            return pastTense;
        }
    }

    /**
     * The life-cycle table: whether {@code action} is allowed from {@code status}.
     *
     * @param action            what is attempted
     * @param status            the site's status
     * @param revocationLifted  whether a revoked site's revocation was lifted already
     * @return why it is refused, or null when it is allowed
     */
    public static SiteTransitionException.Reason refusal(Action action, SiteStatus status, boolean revocationLifted) {
        boolean ended = status == SiteStatus.REVOKED || status == SiteStatus.UNREGISTERED || status == SiteStatus.REPLACED;
        return switch (action) {
            case ACTIVATE -> status == SiteStatus.PENDING ? null : SiteTransitionException.Reason.NOT_PENDING;
            case SUSPEND -> status == SiteStatus.ACTIVE ? null : SiteTransitionException.Reason.NOT_FROM_THIS_STATE;
            case REINSTATE -> status == SiteStatus.SUSPENDED ? null : SiteTransitionException.Reason.NOT_FROM_THIS_STATE;
            case REVOKE -> ended ? SiteTransitionException.Reason.NOT_FROM_THIS_STATE : null;
            case LIFT_REVOCATION -> status != SiteStatus.REVOKED ? SiteTransitionException.Reason.NOT_FROM_THIS_STATE
                    : revocationLifted ? SiteTransitionException.Reason.ALREADY_LIFTED : null;
            case UNREGISTER, UPDATE -> ended ? SiteTransitionException.Reason.ENDED
                    : action == Action.UNREGISTER && status == SiteStatus.SUSPENDED ? SiteTransitionException.Reason.SUSPENDED : null;
            case REPLACE -> status == SiteStatus.ACTIVE ? null
                    : status == SiteStatus.SUSPENDED ? SiteTransitionException.Reason.SUSPENDED
                    : SiteTransitionException.Reason.NOT_FROM_THIS_STATE;
            case ROTATE_KEYS -> status == SiteStatus.ACTIVE ? null : SiteTransitionException.Reason.NOT_ACTIVE;
        };
    }

    /**
     * Checks that {@code action} is allowed now, without doing it.
     *
     * @param action what is about to be attempted
     * @throws SiteTransitionException when the life cycle does not allow it
     */
    public void require(Action action) {
        SiteTransitionException.Reason refusal = refusal(action, status, revocationLiftedAt != null);
        if (refusal != null) {
            throw new SiteTransitionException(action, status, refusal);
        }
    }

    /**
     * Makes this pending registration the live owner of its URL.
     *
     * @param managementTokenHash hash of the newly issued management token
     * @param now                 the current time
     */
    public void activate(String managementTokenHash, Instant now) {
        require(Action.ACTIVATE);
        this.status = SiteStatus.ACTIVE;
        this.liveUrl = url;
        this.managementTokenHash = managementTokenHash;
        this.verifiedAt = now;
        this.updatedAt = now;
    }

    /**
     * Suspends this active site.
     *
     * @param reason why
     * @param until  when the suspension ends by itself, or null
     * @param now    the current time
     */
    public void suspend(String reason, Instant until, Instant now) {
        require(Action.SUSPEND);
        changeLiveStatus(SiteStatus.SUSPENDED, reason, until, now);
    }

    /**
     * Ends this site's suspension.
     *
     * @param reason why (may be null)
     * @param now    the current time
     */
    public void reinstate(String reason, Instant now) {
        require(Action.REINSTATE);
        changeLiveStatus(SiteStatus.ACTIVE, reason, null, now);
    }

    /**
     * Revokes this site for good.
     *
     * @param reason why
     * @param now    the current time
     */
    public void revoke(String reason, Instant now) {
        require(Action.REVOKE);
        end(SiteStatus.REVOKED, reason, now);
    }

    /**
     * Ends this registration at its admin's request.
     *
     * @param reason why, for the record
     * @param now    the current time
     */
    public void unregister(String reason, Instant now) {
        require(Action.UNREGISTER);
        end(SiteStatus.UNREGISTERED, reason, now);
    }

    /**
     * Ends this registration because a newer one of the same URL passed its verification.
     *
     * @param reason why, for the record
     * @param now    the current time
     */
    public void replace(String reason, Instant now) {
        require(Action.REPLACE);
        end(SiteStatus.REPLACED, reason, now);
    }

    /** The one way a registration ends: it no longer owns its URL. */
    private void end(SiteStatus newStatus, String reason, Instant now) {
        this.status = newStatus;
        this.liveUrl = null;
        this.statusReason = reason;
        this.updatedAt = now;
    }

    private void changeLiveStatus(SiteStatus newStatus, String reason, Instant until, Instant now) {
        this.status = newStatus;
        this.statusReason = reason;
        this.suspendedUntil = until;
        this.updatedAt = now;
    }

    /**
     * Lifts the revocation of a revoked site: the site stays revoked (its keys stay dead) but its URL may
     * register again.
     *
     * @param now the current time
     */
    public void liftRevocation(Instant now) {
        require(Action.LIFT_REVOCATION);
        this.revocationLiftedAt = now;
        this.updatedAt = now;
    }

    /**
     * Updates the admin-editable details; not once the registration ended.
     *
     * @param name        new name or null to keep
     * @param email       new contact or null to keep
     * @param users       new user count or null to keep
     * @param activeUsers new active-user count or null to keep
     * @param now         the current time
     */
    public void update(String name, String email, Integer users, Integer activeUsers, Instant now) {
        require(Action.UPDATE);
        if (name != null) {
            this.name = name;
        }
        if (email != null) {
            this.contactEmail = email;
        }
        if (users != null) {
            this.users = users;
        }
        if (activeUsers != null) {
            this.activeUsers = activeUsers;
        }
        this.updatedAt = now;
    }

    /** @param hash hash of the Moodle site identifier md5 that {@code POST /accesskeys/} presents */
    public void setMoodleSiteIdHash(String hash) {
        this.moodleSiteIdHash = hash;
    }

    /** @param hint the first characters of the management token just issued */
    public void setManagementTokenHint(String hint) {
        this.managementTokenHint = hint;
    }

    /** @return the first characters of the management token issued in this transaction, or null */
    public String getManagementTokenHint() {
        return managementTokenHint;
    }

    public String getId() {
        return id;
    }

    public String getUrl() {
        return url;
    }

    public String getName() {
        return name;
    }

    public String getContactEmail() {
        return contactEmail;
    }

    public int getUsers() {
        return users;
    }

    public int getActiveUsers() {
        return activeUsers;
    }

    public SiteStatus getStatus() {
        return status;
    }

    public String getManagementTokenHash() {
        return managementTokenHash;
    }

    public String getMoodleSiteIdHash() {
        return moodleSiteIdHash;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    public Instant getVerifiedAt() {
        return verifiedAt;
    }

    public String getStatusReason() {
        return statusReason;
    }

    public Instant getSuspendedUntil() {
        return suspendedUntil;
    }

    public Instant getRevocationLiftedAt() {
        return revocationLiftedAt;
    }

    public String getLiveUrl() {
        return liveUrl;
    }
}
