package net.moodlepushhub.hub.web;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {

    @Test
    void allowsTheLimitPerWindowPerKeyAndSaysWhenToRetry() {
        AtomicLong now = new AtomicLong(0);
        RateLimiter limiter = new RateLimiter(2, Duration.ofSeconds(60), now::get);
        assertThat(limiter.tryAcquire("a")).isEmpty();
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(limiter.tryAcquire("a")).isEmpty();
        assertThat(limiter.tryAcquire("a")).hasValue(50);
        assertThat(limiter.tryAcquire("b")).isEmpty();
        now.addAndGet(Duration.ofSeconds(50).toNanos());
        assertThat(limiter.tryAcquire("a")).isEmpty();
    }
}
