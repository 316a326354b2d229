package net.moodlepushhub.hub.registration;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** One attempt to fetch a site's challenge: when, which address was connected to, and what came of it. */
@Entity
@Table(name = "verification_attempt")
public class VerificationAttempt {

    /** The outcome recorded for a successful attempt. */
    public static final String VALID = "valid";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    private Long id;

    @Column(name = "site_id", nullable = false, length = 36)
    private String siteId;

    @Column(name = "attempted_at", nullable = false)
    private Instant attemptedAt;

    @Column(name = "challenge_url", nullable = false, length = 1024)
    private String challengeUrl;

    @Column(name = "resolved_address", length = 64)
    private String resolvedAddress;

    @Column(name = "outcome", nullable = false, length = 32)
    private String outcome;

    @Column(name = "detail", length = 512)
    private String detail;

    protected VerificationAttempt() {
    }

    /**
     * @param siteId          the site
     * @param attemptedAt     when
     * @param challengeUrl    the URL fetched
     * @param resolvedAddress the address connected to, or null
     * @param outcome         {@link #VALID} or a problem slug
     * @param detail          a human explanation (never the fetched body)
     */
    public VerificationAttempt(String siteId, Instant attemptedAt, String challengeUrl, String resolvedAddress, String outcome, String detail) {
        this.siteId = siteId;
        this.attemptedAt = attemptedAt;
        this.challengeUrl = challengeUrl;
        this.resolvedAddress = resolvedAddress;
        this.outcome = outcome;
        this.detail = detail == null || detail.length() <= 512 ? detail : detail.substring(0, 512);
    }

    public String getSiteId() {
        return siteId;
    }

    public Instant getAttemptedAt() {
        return attemptedAt;
    }

    public String getChallengeUrl() {
        return challengeUrl;
    }

    public String getResolvedAddress() {
        return resolvedAddress;
    }

    public String getOutcome() {
        return outcome;
    }

    public String getDetail() {
        return detail;
    }
}
