package net.moodlepushhub.gateway.provider;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "full jitter": the delay before attempt {@code n+1} is uniformly random in
 * {@code [0, min(cap, base * 2^(n-1))]}. When the push service gave a {@code Retry-After}, that value is used instead
 * (capped by {@link #maxRetryAfter()}, not by {@code cap}, since waiting less than asked only earns another 429).
 * After {@link #maxAttempts()} attempts, {@link #nextDelay} returns empty: give up. Immutable and thread-safe.
 */
public final class RetryPolicy {

    private final Duration base;
    private final Duration cap;
    private final int maxAttempts;
    private final Duration maxRetryAfter;
    private final DoubleSupplier random;

    /**
     * @param base          the first backoff ceiling (attempt 1), positive
     * @param cap           the largest backoff ceiling, at least {@code base}
     * @param maxAttempts   total attempts allowed including the first one, at least 1
     * @param maxRetryAfter the largest Retry-After honoured (longer ones are clipped), positive
     * @param random        source of uniform numbers in [0,1); for tests
     */
    public RetryPolicy(Duration base, Duration cap, int maxAttempts, Duration maxRetryAfter, DoubleSupplier random) {
        this.base = Objects.requireNonNull(base, "base");
        this.cap = Objects.requireNonNull(cap, "cap");
        this.maxRetryAfter = Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        this.random = Objects.requireNonNull(random, "random");
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("base must be positive");
        }
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("cap must be >= base");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        if (maxRetryAfter.isNegative() || maxRetryAfter.isZero()) {
            throw new IllegalArgumentException("maxRetryAfter must be positive");
        }
        this.maxAttempts = maxAttempts;
    }

    /**
     * @param base        the first backoff ceiling
     * @param cap         the largest backoff ceiling
     * @param maxAttempts total attempts allowed including the first one
     */
    public RetryPolicy(Duration base, Duration cap, int maxAttempts) {
        this(base, cap, maxAttempts, Duration.ofHours(1), () -> ThreadLocalRandom.current().nextDouble());
    }

    /** @return a policy with base 1 s, cap 15 min, 10 attempts, Retry-After honoured up to 1 h */
    public static RetryPolicy defaults() {
        return new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(15), 10);
    }

    /**
     * @param attemptsSoFar how many attempts were already made (1 after the first failed send)
     * @param retryAfter    the delay the push service asked for, or {@code null}
     * @return how long to wait before the next attempt, or empty when no attempt is left
     */
    public Optional<Duration> nextDelay(int attemptsSoFar, Duration retryAfter) {
        if (attemptsSoFar >= maxAttempts) {
            return Optional.empty();
        }
        if (retryAfter != null && !retryAfter.isNegative()) {
            return Optional.of(retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter);
        }
        return Optional.of(jittered(ceiling(Math.max(1, attemptsSoFar))));
    }

    /**
     * @param attempt attempt number (1-based)
     * @return the upper bound of the jittered delay after that attempt: {@code min(cap, base * 2^(attempt-1))}
     */
    public Duration ceiling(int attempt) {
        long ms = base.toMillis();
        long capMs = cap.toMillis();
        for (int i = 1; i < attempt && ms < capMs; i++) {
            ms = ms > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : ms * 2;
        }
        return Duration.ofMillis(Math.min(ms, capMs));
    }

    private Duration jittered(Duration ceiling) {
        double r = random.getAsDouble();
        if (r < 0) {
            r = 0;
        } else if (r >= 1) {
            r = Math.nextDown(1.0);
        }
        return Duration.ofMillis((long) Math.floor(r * (ceiling.toMillis() + 1)));
    }

    /** @return the first backoff ceiling */
    public Duration base() { return base; }

    /** @return the largest backoff ceiling */
    public Duration cap() { return cap; }

    /** @return total attempts allowed including the first one */
    public int maxAttempts() { return maxAttempts; }

    /** @return the largest Retry-After honoured */
    public Duration maxRetryAfter() { return maxRetryAfter; }
}
