package net.moodlepushhub.gateway.quota;

import java.io.Serializable;

/**
 * A token bucket's state. Immutable and serialisable, so a JCache entry processor can replace it atomically
 * on whichever cluster member owns the key.
 *
 * @param tokens     units left (fractional while refilling)
 * @param updatedAt  when {@code tokens} was computed, epoch milliseconds (wall clock: shared by instances)
 */
public record Bucket(double tokens, long updatedAt) implements Serializable {

    /**
     * Refills for the time elapsed, then takes {@code permits} if there are enough.
     *
     * @param limit   the limit
     * @param permits units wanted
     * @param now     epoch milliseconds
     * @return the new state and whether the units were granted
     */
    public Take take(Limit limit, long permits, long now) {
        double rate = (double) limit.capacity() / Math.max(1, limit.window().toMillis());
        double refilled = Math.min(limit.capacity(), tokens + Math.max(0, now - updatedAt) * rate);
        if (refilled >= permits) {
            return new Take(new Bucket(refilled - permits, now), true, 0);
        }
        long waitMillis = (long) Math.ceil((permits - refilled) / rate);
        return new Take(new Bucket(refilled, now), false, waitMillis);
    }

    /**
     * @param limit the limit
     * @param now   epoch milliseconds
     * @return a full bucket
     */
    public static Bucket full(Limit limit, long now) {
        return new Bucket(limit.capacity(), now);
    }

    /**
     * The result of {@link #take}.
     *
     * @param bucket     the new state
     * @param granted    whether the units were granted
     * @param waitMillis when refused: how long until they would be
     */
    public record Take(Bucket bucket, boolean granted, long waitMillis) implements Serializable {
    }
}
