package net.moodlepushhub.hub.moodle;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * The Moodle side of a site registered from Moodle's own admin pages: hashes of the registration secret
 * Moodle sent as {@code token}, the sealed HMAC key of its signed updates, the hash of the web-service token
 * the hub issued, the last site information Moodle reported and the site's quota state.
 */
@Entity
@Table(name = "moodle_registration")
public class MoodleRegistration {

    @Id
    @Column(name = "site_id", length = 36)
    private String siteId;

    @Column(name = "secret_hash", nullable = false, length = 64)
    private String secretHash;

    @Column(name = "identifier_id_hash", length = 64)
    private String identifierIdHash;

    @Column(name = "signing_key_sealed", nullable = false, length = 255)
    private String signingKeySealed;

    @Column(name = "ws_token_hash", length = 64)
    private String wsTokenHash;

    @Column(name = "site_info")
    private String siteInfo;

    @Column(name = "info_updated_at")
    private Instant infoUpdatedAt;

    @Column(name = "info_signed", nullable = false)
    private boolean infoSigned;

    @Column(name = "over_quota_since")
    private Instant overQuotaSince;

    @Column(name = "quota_enforced", nullable = false)
    private boolean quotaEnforced;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected MoodleRegistration() {
    }

    /**
     * @param siteId           the site row this belongs to
     * @param secretHash       SHA-256 of Moodle's registration secret
     * @param identifierIdHash SHA-256 of md5(secret without its date digits), or null
     * @param signingKeySealed md5(secret), sealed
     * @param now              the current time
     */
    public MoodleRegistration(String siteId, String secretHash, String identifierIdHash, String signingKeySealed, Instant now) {
        this.siteId = siteId;
        this.secretHash = secretHash;
        this.identifierIdHash = identifierIdHash;
        this.signingKeySealed = signingKeySealed;
        this.createdAt = now;
    }

    /** @param hash SHA-256 of the web-service token Moodle calls with */
    void setWsTokenHash(String hash) {
        this.wsTokenHash = hash;
    }

    /**
     * Records what Moodle last reported.
     *
     * @param json   the site information as a JSON object
     * @param signed whether the update carried a valid signature
     * @param now    the current time
     */
    void recordInfo(String json, boolean signed, Instant now) {
        this.siteInfo = json;
        this.infoSigned = signed;
        this.infoUpdatedAt = now;
    }

    /** @param since when the site first reported more users than its limit, or null when it is within it */
    void setOverQuotaSince(Instant since) {
        this.overQuotaSince = since;
    }

    /** @param enforced whether the gateways were told to refuse the site's sends */
    void setQuotaEnforced(boolean enforced) {
        this.quotaEnforced = enforced;
    }

    public String getSiteId() {
        return siteId;
    }

    public String getSecretHash() {
        return secretHash;
    }

    public String getSigningKeySealed() {
        return signingKeySealed;
    }

    public String getWsTokenHash() {
        return wsTokenHash;
    }

    public String getSiteInfo() {
        return siteInfo;
    }

    public Instant getInfoUpdatedAt() {
        return infoUpdatedAt;
    }

    public boolean isInfoSigned() {
        return infoSigned;
    }

    public Instant getOverQuotaSince() {
        return overQuotaSince;
    }

    public boolean isQuotaEnforced() {
        return quotaEnforced;
    }
}
