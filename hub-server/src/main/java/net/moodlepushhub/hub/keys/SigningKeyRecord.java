package net.moodlepushhub.hub.keys;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Lob;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * A signing key pair of the hub, persisted in the hub's database; the private half is stored encrypted with the
 * key-encryption key ({@link net.moodlepushhub.common.keys.KeyEncryption}), the public half in clear.
 */
@Entity
@Table(name = "signing_key")
public class SigningKeyRecord {

    @Id
    @Column(name = "kid", length = 64)
    private String kid;

    @Column(name = "algorithm", nullable = false, length = 16)
    private String algorithm;

    @Lob
    @Column(name = "private_jwk", nullable = false)
    private String privateJwk;

    @Lob
    @Column(name = "public_jwk", nullable = false)
    private String publicJwk;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "retired_at")
    private Instant retiredAt;

    @Column(name = "publish_until")
    private Instant publishUntil;

    protected SigningKeyRecord() {
    }

    SigningKeyRecord(String kid, String algorithm, String privateJwk, String publicJwk, Instant createdAt) {
        this.kid = kid;
        this.algorithm = algorithm;
        this.privateJwk = privateJwk;
        this.publicJwk = publicJwk;
        this.createdAt = createdAt;
    }

    void retire(Instant now, Instant publishUntil) {
        this.retiredAt = now;
        this.publishUntil = publishUntil;
    }

    public String getKid() {
        return kid;
    }

    public String getAlgorithm() {
        return algorithm;
    }

    void replacePrivateJwk(String stored) {
        this.privateJwk = stored;
    }

    String getPrivateJwk() {
        return privateJwk;
    }

    public String getPublicJwk() {
        return publicJwk;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getRetiredAt() {
        return retiredAt;
    }

    public Instant getPublishUntil() {
        return publishUntil;
    }
}
