package net.moodlepushhub.gateway.keys;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gateway knows of the hub's revocation decisions: revoked key ids, and sites that are suspended or
 * revoked. Read on every request (a hash lookup), written by {@link RevocationFollower}.
 */
@ApplicationScoped
public class RevocationRegistry {

    /** The state of a site as the feed reported it. */
    public enum SiteState {
        /** The site's keys are refused until it is reinstated; its notifications are held. */
        SUSPENDED,
        /** The site's keys are refused for good. */
        REVOKED
    }

    private final Map<String, Instant> revokedKeys = new ConcurrentHashMap<>();
    private final Map<String, SiteState> sites = new ConcurrentHashMap<>();
    /** Sites over their user quota past the grace period (hub events over-quota / within-quota). */
    private final java.util.Set<String> overQuota = ConcurrentHashMap.newKeySet();
    private volatile long lastSeq;

    /**
     * Applies one feed event.
     *
     * @param seq         its sequence number
     * @param subjectType "key" or "site"
     * @param subject     jti or site id
     * @param action      "revoke", "suspend" or "reinstate"
     * @param notAfter    when a key entry can be forgotten, or null
     */
    public void apply(long seq, String subjectType, String subject, String action, Instant notAfter) {
        if ("key".equals(subjectType)) {
            if ("revoke".equals(action)) {
                revokedKeys.put(subject, notAfter == null ? Instant.MAX : notAfter);
            }
        } else if ("site".equals(subjectType)) {
            switch (action) {
                case "revoke" -> sites.put(subject, SiteState.REVOKED);
                case "suspend" -> sites.merge(subject, SiteState.SUSPENDED, (old, n) -> old == SiteState.REVOKED ? old : n);
                case "reinstate" -> sites.remove(subject, SiteState.SUSPENDED);
                case "over-quota" -> overQuota.add(subject);
                case "within-quota" -> overQuota.remove(subject);
                default -> { }
            }
        }
        if (seq > lastSeq) {
            lastSeq = seq;
        }
    }

    /**
     * @param jti a key id
     * @return true when the hub revoked that key
     */
    public boolean isKeyRevoked(String jti) {
        return revokedKeys.containsKey(jti);
    }

    /**
     * @param siteId a site
     * @return its state, or null when it is in good standing
     */
    public SiteState siteState(String siteId) {
        return sites.get(siteId);
    }

    /**
     * @param siteId a site
     * @return true while the hub says the site is over its user quota past the grace period
     */
    public boolean isOverQuota(String siteId) {
        return overQuota.contains(siteId);
    }

    /** @return the last feed sequence applied */
    public long lastSeq() {
        return lastSeq;
    }

    /** Forgets revoked keys past their expiry (they fail the expiry check anyway). */
    public void forgetExpired() {
        Instant now = Instant.now();
        revokedKeys.values().removeIf(notAfter -> notAfter.isBefore(now));
    }
}
