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
    void aCallArrivingLateWithAnEarlierTimeDoesNotRefillTheSameStretchTwice() {
        Bucket empty = new Bucket(0, 1_000);
        Bucket afterLate = empty.take(tenPerSecond, 0, 2_000).bucket().take(tenPerSecond, 0, 1_500).bucket();
        assertThat(afterLate.updatedAt()).isEqualTo(2_000);
        assertThat(afterLate.take(tenPerSecond, 0, 2_000).bucket().tokens()).as("one second of refill, counted once").isEqualTo(10.0);
    }

    @Test
    void aLeaseGrantsWhatIsThereUpToTheMostAndTakesBackWhatWasNotSpent() {
        Bucket b = new Bucket(7, 0);
        Bucket.Take lease = b.lease(tenPerSecond, 2, 5, 0, 0);
        assertThat(lease.units()).isEqualTo(5);
        assertThat(lease.bucket().tokens()).isEqualTo(2.0);
        Bucket.Take partial = lease.bucket().lease(tenPerSecond, 1, 5, 1, 0);
        assertThat(partial.units()).as("all there is, with the 1 given back").isEqualTo(3);
        Bucket.Take refused = partial.bucket().lease(tenPerSecond, 1, 5, 0, 0);
        assertThat(refused.granted()).isFalse();
        assertThat(refused.units()).isZero();
        assertThat(new Bucket(9, 0).lease(tenPerSecond, 0, 0, 5, 0).bucket().tokens()).as("never above capacity").isEqualTo(10.0);
    }

    @Test
    void policyHeaderFollowsTheDraftSyntax() {
        assertThat(tenPerSecond.policyHeader()).isEqualTo("\"test\";q=10;w=1");
    }
}
