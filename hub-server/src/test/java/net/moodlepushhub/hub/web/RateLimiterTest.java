package net.moodlepushhub.hub.web;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);

    @Test
    void allowsTheLimitPerWindowPerKeyAndSaysWhenToRetry() {
        RateLimiter limiter = new RateLimiter(2, Duration.ofSeconds(60), now::get, null);
        assertThat(limiter.tryAcquire("a")).isEmpty();
        now.addAndGet(10_000);
        assertThat(limiter.tryAcquire("a")).isEmpty();
        assertThat(limiter.tryAcquire("a")).hasValue(50);
        assertThat(limiter.tryAcquire("b")).isEmpty();
        now.addAndGet(50_000);
        assertThat(limiter.tryAcquire("a")).isEmpty();
    }

    @Test
    void recordedEventsCountAndAResetForgetsThem() {
        RateLimiter limiter = new RateLimiter(3, Duration.ofMinutes(15), now::get, null);
        for (int i = 0; i < 5; i++) {
            limiter.record("user:alice");
            now.addAndGet(1_000);
        }
        // Five recorded, three allowed: the third newest (3 s old) leaves the window in 15 min - 3 s.
        assertThat(limiter.retryAfter("user:alice")).hasValue(Duration.ofMinutes(15).minusSeconds(3).toSeconds());
        limiter.reset("user:alice");
        assertThat(limiter.retryAfter("user:alice")).isEmpty();
    }

    @Test
    void aWindowKeepsNoMoreEventsThanTheLimit() {
        SlidingWindow w = SlidingWindow.EMPTY;
        for (int i = 0; i < 100; i++) {
            w = w.plus(1_000 + i, 3, 60_000);
        }
        assertThat(w.events()).containsExactly(1_097, 1_098, 1_099);
        assertThat(w.waitMillis(1_100, 3, 60_000)).isEqualTo(1_097 + 60_000 - 1_100);
        assertThat(w.waitMillis(61_097, 3, 60_000)).isZero();
    }
}
