package net.moodlepushhub.gateway.delivery;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A bound on one platform's sends in flight, taken by that platform's single sending thread and given back by
 * whichever thread receives the push service's answer.
 *
 * <p>Unlike a {@link java.util.concurrent.Semaphore}, the sender that reached the bound is woken once room for a
 * run of sends is free ({@code max / 8}), not at every answer: at the bound, a semaphore wakes the sender per
 * answer only for it to send one and park again, and those wake-ups (a futex call on the network thread each) were
 * the largest cost of the gateway's own code on the APNs event loop. Waiting for room is never an attempt.</p>
 *
 * <p>Public so that the benchmark's Pushy-direct baseline sends with the same flow control as the gateway.</p>
 */
public final class InFlightBound {

    /** A sender parks at most this long before looking again (a safety net: the wake-up is not lost anyway). */
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final int max;
    private final int resumeAt;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Thread waiting;

    /** @param max the most sends in flight (at least 1) */
    public InFlightBound(int max) {
        this.max = Math.max(1, max);
        this.resumeAt = this.max - Math.max(1, this.max / 8);
    }

    /**
     * Takes room for one send, waiting while the bound is reached. Called by one thread at a time (the lane's).
     *
     * @throws InterruptedException when the sender is interrupted while waiting
     */
    public void acquire() throws InterruptedException {
        while (inFlight.get() >= max) {
            waiting = Thread.currentThread();
            // Read again after announcing the wait: an answer that came in between either sees the announcement or
            // left room that this read sees.
            if (inFlight.get() >= max) {
                LockSupport.parkNanos(this, PARK_NANOS);
            }
            waiting = null;
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        inFlight.incrementAndGet();
    }

    /** Gives back one send's room (its answer came, or it was never sent). */
    public void release() {
        if (inFlight.decrementAndGet() <= resumeAt) {
            Thread sender = waiting;
            if (sender != null) {
                LockSupport.unpark(sender);
            }
        }
    }

    /** @return sends in flight now */
    public int inFlight() {
        return inFlight.get();
    }
}
