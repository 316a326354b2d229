package net.moodlepushhub.hub.admin;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A hub operator account. The password is stored only as an Argon2id PHC string ({@link PasswordHasher}). */
@Entity
@Table(name = "operator")
public class Operator {

    @Id
    @Column(name = "username", length = 64)
    private String username;

    @Column(name = "password_hash", nullable = false)
    private String passwordHash;

    @Column(name = "role", nullable = false, length = 16)
    private String role;

    @Column(name = "enabled", nullable = false)
    private boolean enabled;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Column(name = "last_login_at")
    private Instant lastLoginAt;

    /** Optional; operators with an address receive the digest of new abuse reports. */
    @Column(name = "email", length = 254)
    private String email;

    protected Operator() {
    }

    /** @param now the time of a successful login */
    public void loggedIn(Instant now) {
        this.lastLoginAt = now;
    }

    public String getUsername() {
        return username;
    }

    public String getPasswordHash() {
        return passwordHash;
    }

    /** @return the role */
    public Role role() {
        return Role.fromWire(role);
    }

    public boolean isEnabled() {
        return enabled;
    }

    public Instant getLastLoginAt() {
        return lastLoginAt;
    }

    /**
     * @param email a validated address, or null to receive no digest
     * @param now   the time of the change
     */
    public void changeEmail(String email, Instant now) {
        this.email = email;
        this.updatedAt = now;
    }

    public String getEmail() {
        return email;
    }
}
