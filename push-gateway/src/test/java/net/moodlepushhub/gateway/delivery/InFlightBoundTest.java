package net.moodlepushhub.gateway.delivery;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lanes' bound on sends in flight: never exceeded, never stuck, interruptible. */
class InFlightBoundTest {

    @Test
    void aSenderNeverExceedsTheBoundAndAlwaysFinishes() throws Exception {
        InFlightBound bound = new InFlightBound(16);
        AtomicInteger highest = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        int sends = 20_000;
        CountDownLatch done = new CountDownLatch(sends);
        ScheduledExecutorService answerers = Executors.newScheduledThreadPool(3);
        try {
            for (int i = 0; i < sends; i++) {
                bound.acquire();
                highest.accumulateAndGet(bound.inFlight(), Math::max);
                // Answers come back on other threads, in any order, some at once and some later.
                answerers.schedule(() -> {
                    answered.incrementAndGet();
                    bound.release();
                    done.countDown();
                }, i % 3 == 0 ? 0 : 50, TimeUnit.MICROSECONDS);
            }
            assertThat(done.await(60, TimeUnit.SECONDS)).as("every send answered, none stuck").isTrue();
        } finally {
            answerers.shutdownNow();
        }
        assertThat(highest.get()).isLessThanOrEqualTo(16);
        assertThat(answered.get()).isEqualTo(sends);
        assertThat(bound.inFlight()).isZero();
    }

    @Test
    void aSenderWaitingForRoomCanBeInterrupted() throws Exception {
        InFlightBound bound = new InFlightBound(1);
        bound.acquire();
        Thread.currentThread().interrupt();
        assertThatThrownBy(bound::acquire).isInstanceOf(InterruptedException.class);
        assertThat(bound.inFlight()).as("no room taken by the interrupted wait").isEqualTo(1);
    }
}
