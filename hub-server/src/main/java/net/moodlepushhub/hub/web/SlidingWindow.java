package net.moodlepushhub.hub.web;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The recent events of one key (an address, a username): their times in epoch milliseconds, oldest first, at
 * most as many as the limit (older ones can no longer decide anything). Immutable and serialisable, so a JCache
 * entry processor can replace it atomically on whichever cluster member owns the key; wall-clock time, because
 * the instances sharing it have no other clock in common.
 *
 * @param events event times, epoch milliseconds, ascending
 */
public record SlidingWindow(long[] events) implements Serializable {

    /** No events. */
    public static final SlidingWindow EMPTY = new SlidingWindow(new long[0]);

    /**
     * @param now      epoch milliseconds
     * @param limit    events allowed within the window
     * @param windowMs the window, milliseconds
     * @return 0 while under the limit, otherwise the milliseconds until the key is under it again
     */
    public long waitMillis(long now, int limit, long windowMs) {
        long[] recent = recent(now, windowMs);
        if (recent.length < limit) {
            return 0;
        }
        // The limit-th newest event decides: once it leaves the window, the key is under the limit again.
        return Math.max(1, recent[recent.length - limit] + windowMs - now);
    }

    /**
     * @param now      epoch milliseconds
     * @param limit    events allowed within the window
     * @param windowMs the window, milliseconds
     * @return this window with one more event at {@code now}, events out of the window or beyond the limit dropped
     */
    public SlidingWindow plus(long now, int limit, long windowMs) {
        long[] recent = recent(now, windowMs);
        long[] next = Arrays.copyOfRange(recent, Math.max(0, recent.length + 1 - Math.max(1, limit)), recent.length + 1);
        next[next.length - 1] = now;
        return new SlidingWindow(next);
    }

    /** @return whether no event is left within the window */
    boolean isIdle(long now, long windowMs) {
        return recent(now, windowMs).length == 0;
    }

    private long[] recent(long now, long windowMs) {
        long horizon = now - windowMs;
        int first = 0;
        while (first < events.length && events[first] <= horizon) {
            first++;
        }
        return first == 0 ? events : Arrays.copyOfRange(events, first, events.length);
    }
}
