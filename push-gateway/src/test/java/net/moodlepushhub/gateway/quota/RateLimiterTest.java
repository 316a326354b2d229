package net.moodlepushhub.gateway.quota;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limiter's leases: every unit granted comes out of the shared bucket, so instances together never grant more
 * than the limit, and one instance decides exactly as without leases while asking the bucket far less often.
 * Two limiters on one {@link RateLimiter.LocalBuckets} stand for two instances on one JCache cache.
 */
class RateLimiterTest {

    /** Per day, so that the refill during a test is negligible (1,000 per 86,400 s). */
    final Limit thousandPerDay = new Limit("test-day", 1_000, Duration.ofDays(1));
    final AtomicLong clock = new AtomicLong(1_000_000);
    final AtomicInteger calls = new AtomicInteger();
    final RateLimiter.LocalBuckets store = new RateLimiter.LocalBuckets();
    final RateLimiter.Buckets counted = (key, limit, permits, most, giveBack, now) -> {
        calls.incrementAndGet();
        return store.lease(key, limit, permits, most, giveBack, now);
    };

    @Test
    void oneInstanceGrantsExactlyTheLimitAndAsksTheBucketOncePerLease() {
        RateLimiter limiter = new RateLimiter(counted, clock::get);
        int granted = 0;
        for (int i = 0; i < 1_500; i++) {
            if (limiter.take("site", thousandPerDay, 1).granted()) {
                granted++;
            }
        }
        assertThat(granted).isEqualTo(1_000);
        // 100 leases of 10 for the grants, then one call per refusal (a refusal never comes from a lease).
        assertThat(calls.get()).isEqualTo(100 + 500);
    }

    @Test
    void twoInstancesTogetherNeverGrantMoreThanTheLimitAndReachIt() {
        RateLimiter first = new RateLimiter(store, clock::get);
        RateLimiter second = new RateLimiter(store, clock::get);
        int granted = 0;
        for (int i = 0; i < 3_000; i++) {
            RateLimiter instance = i % 2 == 0 ? first : second;
            // Requests of 1 to 3 units, as sends of a few recipients.
            if (instance.take("site", thousandPerDay, 1 + i % 3).granted()) {
                granted += 1 + i % 3;
            }
        }
        assertThat(granted).isLessThanOrEqualTo(1_000).isGreaterThan(1_000 - 2 * 10);
    }

    @Test
    void aRefusalSaysWhenToRetryAndLeavesTheLeaseInTheBucket() {
        RateLimiter limiter = new RateLimiter(store, clock::get);
        RateLimiter other = new RateLimiter(store, clock::get);
        assertThat(limiter.take("site", thousandPerDay, 1).remaining()).as("the lease counts as remaining").isEqualTo(999);
        assertThat(other.peek("site", thousandPerDay).remaining()).as("the shared bucket lent 10").isEqualTo(990);

        RateLimiter.Decision refused = limiter.take("site", thousandPerDay, 1_000);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.retryAfter()).isPositive();
        assertThat(other.peek("site", thousandPerDay).remaining()).as("the 9 leased units went back").isEqualTo(999);
    }

    @Test
    void aLeaseUnspentForASecondGoesBackWithTheNextCall() {
        RateLimiter limiter = new RateLimiter(counted, clock::get);
        RateLimiter other = new RateLimiter(store, clock::get);
        limiter.take("site", thousandPerDay, 1);
        limiter.take("site", thousandPerDay, 1);
        assertThat(calls.get()).as("the second unit came from the lease").isEqualTo(1);

        clock.addAndGet(RateLimiter.LEASE_MILLIS);
        limiter.take("site", thousandPerDay, 1);
        assertThat(calls.get()).as("an expired lease is not spent").isEqualTo(2);
        assertThat(other.peek("site", thousandPerDay).remaining())
                .as("8 units went back and a new lease of 10 went out: 1,000 - 3 - 9 leased").isEqualTo(988);
    }

    @Test
    void smallLimitsAreNeverLeased() {
        Limit tenPerMinute = new Limit("small", 10, Duration.ofMinutes(1));
        RateLimiter limiter = new RateLimiter(counted, clock::get);
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.take("site", tenPerMinute, 1).granted()).isTrue();
        }
        assertThat(calls.get()).isEqualTo(10);
        assertThat(limiter.take("site", tenPerMinute, 1).granted()).isFalse();
    }
}
