package net.moodlepushhub.hub.registration;

/**
 * The life cycle of a site registration.
 *
 * <pre>
 * pending -> active -> suspended -> active
 * pending|active|suspended -> revoked (final, by a hub admin)
 * pending|active -> unregistered (by the site admin; not while suspended)
 * active -> replaced (another registration for the same URL passed its verification; not while suspended)
 * </pre>
 *
 * <p>The table itself, with every action, is {@link Site#refusal}.</p>
 */
public enum SiteStatus {
    /** Registered, waiting for the URL callback to succeed. No keys exist. */
    PENDING,
    /** Verified; its keys work. */
    ACTIVE,
    /** Stopped by a hub admin for a while; keys refused, undelivered notifications held. */
    SUSPENDED,
    /** Stopped for good by a hub admin; the URL cannot register again until an admin lifts it. */
    REVOKED,
    /** Removed by its own admin; keys revoked. */
    UNREGISTERED,
    /** Superseded by a newer verified registration for the same URL; keys revoked. */
    REPLACED;

    /** @return the lower-case name used on the wire */
    public String wire() {
        return name().toLowerCase();
    }

    /** @return true while the site owns its URL (only one live site per URL) */
    public boolean isLive() {
        return this == ACTIVE || this == SUSPENDED;
    }
}
