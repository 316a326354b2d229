package net.moodlepushhub.hub.registration;

import java.time.Instant;

/**
 * An ownership challenge: the site must serve {@code content} at its URL plus
 * {@code /.well-known/moodle-push-hub/<token>} before {@code expiresAt}.
 *
 * @param token     random, URL-safe, names the file
 * @param content   the exact body to serve: the token, a dot, and 256 random bits (base64url)
 * @param expiresAt after this the registration must start again
 */
public record Challenge(String token, String content, Instant expiresAt) {

    /** The path under the site URL where challenges are served. */
    public static final String WELL_KNOWN_PATH = "/.well-known/moodle-push-hub/";

    /**
     * @param siteUrl the normalised site URL (no trailing slash)
     * @return the exact URL the hub will fetch
     */
    public String urlFor(String siteUrl) {
        return siteUrl + WELL_KNOWN_PATH + token;
    }

    /**
     * @param now the current time
     * @return true once the challenge can no longer be answered
     */
    public boolean isExpired(Instant now) {
        return !now.isBefore(expiresAt);
    }
}
