package net.moodlepushhub.hub.keys;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** The record of one access key the hub issued (the key itself is never stored). */
@Entity
@Table(name = "access_key")
public class IssuedKey {

    @Id
    @Column(name = "jti", length = 36)
    private String jti;

    @Column(name = "site_id", nullable = false, length = 36)
    private String siteId;

    @Column(name = "kind", nullable = false, length = 16)
    private String kind;

    @Column(name = "signing_kid", nullable = false, length = 64)
    private String signingKid;

    @Column(name = "issued_at", nullable = false)
    private Instant issuedAt;

    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    @Column(name = "revocation_reason", length = 64)
    private String revocationReason;

    protected IssuedKey() {
    }

    IssuedKey(String jti, String siteId, String kind, String signingKid, Instant issuedAt, Instant expiresAt) {
        this.jti = jti;
        this.siteId = siteId;
        this.kind = kind;
        this.signingKid = signingKid;
        this.issuedAt = issuedAt;
        this.expiresAt = expiresAt;
    }

    /**
     * Marks the key revoked.
     *
     * @param reason why (a short slug)
     * @param now    the current time
     */
    public void revoke(String reason, Instant now) {
        if (revokedAt == null) {
            revokedAt = now;
            revocationReason = reason;
        }
    }

    public String getJti() {
        return jti;
    }

    public String getSiteId() {
        return siteId;
    }

    public String getKind() {
        return kind;
    }

    public String getSigningKid() {
        return signingKid;
    }

    public Instant getIssuedAt() {
        return issuedAt;
    }

    public Instant getExpiresAt() {
        return expiresAt;
    }

    public Instant getRevokedAt() {
        return revokedAt;
    }

    public String getRevocationReason() {
        return revocationReason;
    }
}
