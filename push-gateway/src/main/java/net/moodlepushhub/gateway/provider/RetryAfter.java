package net.moodlepushhub.gateway.provider;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Parses an HTTP {@code Retry-After} header value (RFC 9110 section 10.2.3): either delay-seconds or an HTTP-date.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * @param headerValue the header value, may be null
     * @param clock       the clock used to turn an HTTP-date into a delay
     * @return the delay (never negative), or {@code null} when absent or unparseable
     */
    public static Duration parse(String headerValue, Clock clock) {
        if (headerValue == null) {
            return null;
        }
        String v = headerValue.trim();
        if (v.isEmpty()) {
            return null;
        }
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException e) {
                return null; // absurdly long
            }
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration d = Duration.between(clock.instant(), at);
            return d.isNegative() ? Duration.ZERO : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
