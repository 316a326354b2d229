package net.moodlepushhub.gateway.quota;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BucketTest {

    final Limit tenPerSecond = new Limit("test", 10, Duration.ofSeconds(1));

    @Test
    void grantsTheBurstThenRefusesWithTheWaitUntilRefill() {
        Bucket b = Bucket.full(tenPerSecond, 0);
        Bucket.Take t = b.take(tenPerSecond, 10, 0);
        assertThat(t.granted()).isTrue();
        Bucket.Take refused = t.bucket().take(tenPerSecond, 1, 0);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.waitMillis()).isEqualTo(100);
    }

    @Test
    void refillsContinuouslyButNeverAboveCapacity() {
        Bucket empty = new Bucket(0, 0);
        assertThat(empty.take(tenPerSecond, 5, 500).granted()).isTrue();
        assertThat(empty.take(tenPerSecond, 6, 500).granted()).isFalse();
        Bucket.Take later = empty.take(tenPerSecond, 1, 60_000);
        assertThat(later.bucket().tokens()).isEqualTo(9.0);
    }

    @Test
    void policyHeaderFollowsTheDraftSyntax() {
        assertThat(tenPerSecond.policyHeader()).isEqualTo("\"test\";q=10;w=1");
    }
}
