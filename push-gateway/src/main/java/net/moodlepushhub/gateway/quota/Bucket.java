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
        return lease(limit, permits, permits, 0, now);
    }

    /**
     * Refills for the time elapsed, takes back {@code giveBack} units an instance leased earlier and did not use,
     * then grants {@code permits} and, when there are more, up to {@code most} in all: the rest is the caller's
     * lease, spent locally without asking again (see {@link RateLimiter}).
     *
     * @param limit    the limit
     * @param permits  units needed now (all or nothing)
     * @param most     units wanted at most ({@code >= permits})
     * @param giveBack units returned from an earlier lease (never above capacity once added)
     * @param now      epoch milliseconds
     * @return the new state, whether {@code permits} were granted, and how many units were
     */
    public Take lease(Limit limit, long permits, long most, long giveBack, long now) {
        double rate = (double) limit.capacity() / Math.max(1, limit.window().toMillis());
        double refilled = Math.min(limit.capacity(), tokens + Math.max(0, now - updatedAt) * rate + giveBack);
        // Calls reach the bucket out of order (two instances, each reading its clock before its call): a late call
        // with an earlier time must not move the bucket back in time, or the next call refills that stretch twice.
        long at = Math.max(updatedAt, now);
        if (refilled >= permits) {
            long units = Math.max(permits, Math.min(most, (long) Math.floor(refilled)));
            return new Take(new Bucket(refilled - units, at), true, units, 0);
        }
        long waitMillis = (long) Math.ceil((permits - refilled) / rate);
        return new Take(new Bucket(refilled, at), false, 0, waitMillis);
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
     * The result of {@link #lease} (and {@link #take}).
     *
     * @param bucket     the new state
     * @param granted    whether the units needed were granted
     * @param units      how many units were granted (the ones needed plus any lease), 0 when refused
     * @param waitMillis when refused: how long until the units needed would be
     */
    public record Take(Bucket bucket, boolean granted, long units, long waitMillis) implements Serializable {
    }
}
