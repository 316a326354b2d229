package net.moodlepushhub.verifier;

import java.time.Duration;

/** The instant a verification must be finished by, on the monotonic clock. */
final class Deadline {

    private final long deadlineNanos;
    private final Duration total;

    private Deadline(final Duration total) {
        this.total = total;
        this.deadlineNanos = System.nanoTime() + total.toNanos();
    }

    static Deadline after(final Duration total) {
        return new Deadline(total);
    }

    /** Remaining time, never negative. */
    Duration remaining() {
        final long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    boolean expired() {
        return deadlineNanos - System.nanoTime() <= 0;
    }

    Duration total() {
        return total;
    }
}
