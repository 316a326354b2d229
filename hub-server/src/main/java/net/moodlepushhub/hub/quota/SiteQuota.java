package net.moodlepushhub.hub.quota;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * A hub admin's quota overrides for one site. A null limit means "the hub's default". The hub enforces
 * {@code maxUsers}; the delivery limits are published for the gateway to enforce.
 */
@Entity
@Table(name = "site_quota")
public class SiteQuota {

    @Id
    @Column(name = "site_id", length = 36)
    private String siteId;

    @Column(name = "max_users")
    private Integer maxUsers;

    @Column(name = "max_devices")
    private Integer maxDevices;

    @Column(name = "notifications_per_minute")
    private Integer notificationsPerMinute;

    @Column(name = "notifications_per_day")
    private Integer notificationsPerDay;

    @Column(name = "broadcasts_per_day")
    private Integer broadcastsPerDay;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Column(name = "updated_by", nullable = false, length = 64)
    private String updatedBy;

    protected SiteQuota() {
    }

    /**
     * @param siteId the site
     */
    public SiteQuota(String siteId) {
        this.siteId = siteId;
    }

    /**
     * Replaces every limit.
     *
     * @param limits the new limits (nulls mean the hub default)
     * @param by     the operator
     * @param now    the current time
     */
    public void set(Limits limits, String by, Instant now) {
        this.maxUsers = limits.maxUsers();
        this.maxDevices = limits.maxDevices();
        this.notificationsPerMinute = limits.notificationsPerMinute();
        this.notificationsPerDay = limits.notificationsPerDay();
        this.broadcastsPerDay = limits.broadcastsPerDay();
        this.updatedBy = by;
        this.updatedAt = now;
    }

    /** @return the limits */
    public Limits limits() {
        return new Limits(maxUsers, maxDevices, notificationsPerMinute, notificationsPerDay, broadcastsPerDay);
    }

    public String getSiteId() {
        return siteId;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    public String getUpdatedBy() {
        return updatedBy;
    }

    /** The overridable limits; null means the hub default. */
    public record Limits(Integer maxUsers, Integer maxDevices, Integer notificationsPerMinute, Integer notificationsPerDay,
                         Integer broadcastsPerDay) {
        /** No override at all. */
        public static final Limits NONE = new Limits(null, null, null, null, null);

        @Override
        public String toString() {
            return "maxUsers=" + maxUsers + ", maxDevices=" + maxDevices + ", notificationsPerMinute=" + notificationsPerMinute
                    + ", notificationsPerDay=" + notificationsPerDay + ", broadcastsPerDay=" + broadcastsPerDay;
        }
    }
}
