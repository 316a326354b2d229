package net.moodlepushhub.hub.keys;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * One entry of the append-only revocation feed that gateways follow: a key revoked by its {@code jti}, or a
 * whole site suspended, reinstated or revoked by its id.
 */
@Entity
@Table(name = "revocation_event")
public class RevocationEvent {

    /** Subject types. */
    public static final String KEY = "key";
    /** Subject type of site-wide decisions. */
    public static final String SITE = "site";

    /** Action: the subject's keys must be refused for good. */
    public static final String REVOKE = "revoke";
    /** Action: the site's keys must be refused until reinstated. */
    public static final String SUSPEND = "suspend";
    /** Action: a suspension ended. */
    public static final String REINSTATE = "reinstate";
    /** Action: the site reported more users than its limit for longer than the grace period; refuse its sends. */
    public static final String OVER_QUOTA = "over-quota";
    /** Action: the site is within its user limit again. */
    public static final String WITHIN_QUOTA = "within-quota";

    /** Assigned by {@link RevocationFeed} as the transaction commits, never by the database at insert. */
    @Id
    @Column(name = "seq")
    private Long seq;

    @Column(name = "subject_type", nullable = false, length = 8)
    private String subjectType;

    @Column(name = "subject", nullable = false, length = 64)
    private String subject;

    @Column(name = "action", nullable = false, length = 16)
    private String action;

    @Column(name = "not_after")
    private Instant notAfter;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected RevocationEvent() {
    }

    /**
     * @param subjectType {@link #KEY} or {@link #SITE}
     * @param subject     a jti or a site id
     * @param action      {@link #REVOKE}, {@link #SUSPEND} or {@link #REINSTATE}
     * @param notAfter    when the entry stops mattering (the key's expiry), or null for never
     * @param createdAt   when the decision was taken
     */
    public RevocationEvent(String subjectType, String subject, String action, Instant notAfter, Instant createdAt) {
        this.subjectType = subjectType;
        this.subject = subject;
        this.action = action;
        this.notAfter = notAfter;
        this.createdAt = createdAt;
    }

    void assignSeq(long seq) {
        this.seq = seq;
    }

    public Long getSeq() {
        return seq;
    }

    public String getSubjectType() {
        return subjectType;
    }

    public String getSubject() {
        return subject;
    }

    public String getAction() {
        return action;
    }

    public Instant getNotAfter() {
        return notAfter;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
