package net.moodlepushhub.gateway.quota;

import java.time.Duration;

/**
 * A token-bucket limit: {@code capacity} units per {@code window}, refilled continuously.
 *
 * @param name     the policy name shown in {@code RateLimit-Policy} (e.g. {@code notifications-minute})
 * @param capacity units per window (the burst size too)
 * @param window   the window
 */
public record Limit(String name, long capacity, Duration window) {

    /** @return the {@code RateLimit-Policy} item for this limit (draft-ietf-httpapi-ratelimit-headers) */
    public String policyHeader() {
        return "\"" + name + "\";q=" + capacity + ";w=" + window.toSeconds();
    }
}
