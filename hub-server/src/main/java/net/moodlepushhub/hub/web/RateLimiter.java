package net.moodlepushhub.hub.web;

import javax.cache.Cache;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.MutableEntry;
import java.io.Serializable;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;

/**
 * A sliding-window event counter per key (an address, a username).
 *
 * <p>Kept in a JCache cache when {@link SharedCaches} provides one (Payara's Hazelcast: in a Payara cluster every
 * hub instance counts the same events, so an attacker spread over N instances still gets the limit, not N times
 * it), otherwise in this instance's memory. Updates go through an entry processor, which runs atomically on the
 * member that owns the key. The cache forgets a key a window after its last event; in memory, idle keys are
 * pruned past {@value #PRUNE_THRESHOLD} keys, so a flood of distinct keys cannot exhaust memory either way.</p>
 */
public final class RateLimiter {

    /** Beyond this many keys in memory, idle keys are pruned. */
    private static final int PRUNE_THRESHOLD = 10_000;

    private final int limit;
    private final long windowMs;
    private final LongSupplier clock;
    private final Cache<String, SlidingWindow> shared;
    private final ConcurrentMap<String, SlidingWindow> local = new ConcurrentHashMap<>();

    /**
     * A limiter in this instance's memory.
     *
     * @param limit  events allowed per key within the window
     * @param window the window
     */
    public RateLimiter(int limit, Duration window) {
        this(limit, window, System::currentTimeMillis, null);
    }

    /**
     * @param limit  events allowed per key within the window
     * @param window the window
     * @param clock  epoch milliseconds (wall clock: shared by instances)
     * @param shared the cache shared by the hub's instances, or null to count in memory
     */
    RateLimiter(int limit, Duration window, LongSupplier clock, Cache<String, SlidingWindow> shared) {
        this.limit = limit;
        this.windowMs = window.toMillis();
        this.clock = clock;
        this.shared = shared;
    }

    /** @return whether the events are counted in a cache shared by the hub's instances */
    public boolean isShared() {
        return shared != null;
    }

    /**
     * Records one event for {@code key} if the key is under its limit.
     *
     * @param key the key
     * @return empty when the event was allowed, otherwise the seconds until it would be
     */
    public OptionalLong tryAcquire(String key) {
        return seconds(update(key, true));
    }

    /**
     * @param key the key
     * @return empty while the key is under its limit, otherwise the seconds until it is again
     */
    public OptionalLong retryAfter(String key) {
        SlidingWindow w = shared != null ? shared.get(key) : local.get(key);
        return seconds(w == null ? 0 : w.waitMillis(clock.getAsLong(), limit, windowMs));
    }

    /**
     * Records one event for {@code key} unconditionally (for example a failed login).
     *
     * @param key the key
     */
    public void record(String key) {
        update(key, false);
    }

    /**
     * Forgets every event of {@code key}.
     *
     * @param key the key
     */
    public void reset(String key) {
        if (shared != null) {
            shared.remove(key);
        } else {
            local.remove(key);
        }
    }

    /** @return 0 when recorded, otherwise the milliseconds to wait (and nothing was recorded) */
    private long update(String key, boolean onlyUnderLimit) {
        long now = clock.getAsLong();
        if (shared != null) {
            return shared.invoke(key, new Record(), now, limit, windowMs, onlyUnderLimit);
        }
        if (local.size() > PRUNE_THRESHOLD) {
            local.entrySet().removeIf(e -> e.getValue().isIdle(now, windowMs));
        }
        long[] wait = new long[1];
        local.compute(key, (k, old) -> {
            SlidingWindow w = old == null ? SlidingWindow.EMPTY : old;
            wait[0] = onlyUnderLimit ? w.waitMillis(now, limit, windowMs) : 0;
            return wait[0] > 0 ? w : w.plus(now, limit, windowMs);
        });
        return wait[0];
    }

    private static OptionalLong seconds(long waitMillis) {
        return waitMillis <= 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(1, (waitMillis + 999) / 1000));
    }

    /** Runs on the cluster member that owns the key: check, record, store, atomically. */
    static final class Record implements EntryProcessor<String, SlidingWindow, Long>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Long process(MutableEntry<String, SlidingWindow> entry, Object... args) {
            long now = (Long) args[0];
            int limit = (Integer) args[1];
            long windowMs = (Long) args[2];
            boolean onlyUnderLimit = (Boolean) args[3];
            SlidingWindow w = entry.exists() ? entry.getValue() : SlidingWindow.EMPTY;
            long wait = onlyUnderLimit ? w.waitMillis(now, limit, windowMs) : 0;
            if (wait == 0) {
                entry.setValue(w.plus(now, limit, windowMs));
            }
            return wait;
        }
    }
}
