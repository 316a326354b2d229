package net.moodlepushhub.gateway.provider;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryPolicyTest {

    private static RetryPolicy policy(double r) {
        return new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), 5, Duration.ofMinutes(10), () -> r);
    }

    @Test
    void ceilingGrowsExponentiallyUpToCap() {
        RetryPolicy p = policy(0.5);
        assertThat(p.ceiling(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(p.ceiling(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.ceiling(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(p.ceiling(7)).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.ceiling(10_000)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void fullJitterSpansZeroToCeiling() {
        assertThat(policy(0.0).nextDelay(3, null)).contains(Duration.ZERO);
        assertThat(policy(0.5).nextDelay(3, null)).contains(Duration.ofMillis(2000));
        assertThat(policy(0.999999).nextDelay(3, null)).contains(Duration.ofMillis(4000));
        RetryPolicy real = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), 5);
        for (int i = 0; i < 1000; i++) {
            Duration d = real.nextDelay(4, null).orElseThrow();
            assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(8));
        }
    }

    @Test
    void retryAfterIsHonouredAndClipped() {
        assertThat(policy(0.1).nextDelay(1, Duration.ofSeconds(120))).contains(Duration.ofSeconds(120));
        assertThat(policy(0.1).nextDelay(1, Duration.ofHours(5))).contains(Duration.ofMinutes(10));
        assertThat(policy(0.1).nextDelay(1, Duration.ZERO)).contains(Duration.ZERO);
    }

    @Test
    void givesUpAfterMaxAttempts() {
        assertThat(policy(0.5).nextDelay(4, null)).isPresent();
        assertThat(policy(0.5).nextDelay(5, null)).isEqualTo(Optional.empty());
        assertThat(policy(0.5).nextDelay(5, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new RetryPolicy(Duration.ZERO, Duration.ofSeconds(1), 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
