package net.moodlepushhub.hub.web;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A sliding-window event counter per key (an address, a username), in memory.
 *
 * <p>In memory on purpose: these limits only need to slow down abuse of one hub instance (report floods,
 * password guessing); with several instances behind a balancer an attacker gets at most N times the limit,
 * which is still bounded, and the hot path never waits for the database.</p>
 */
public final class RateLimiter {

    /** Beyond this many keys, idle keys are pruned so a flood of distinct keys cannot exhaust memory. */
    private static final int PRUNE_THRESHOLD = 10_000;

    private final int limit;
    private final Duration window;
    private final LongSupplier clock;
    private final Map<String, Deque<Long>> events = new ConcurrentHashMap<>();

    /**
     * @param limit  events allowed per key within the window
     * @param window the window
     */
    public RateLimiter(int limit, Duration window) {
        this(limit, window, System::nanoTime);
    }

    RateLimiter(int limit, Duration window, LongSupplier clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    /**
     * Records one event for {@code key} if the key is under its limit.
     *
     * @param key the key
     * @return empty when the event was allowed, otherwise the seconds until it would be
     */
    public OptionalLong tryAcquire(String key) {
        OptionalLong wait = retryAfter(key);
        if (wait.isEmpty()) {
            record(key);
        }
        return wait;
    }

    /**
     * @param key the key
     * @return empty while the key is under its limit, otherwise the seconds until it is again
     */
    public OptionalLong retryAfter(String key) {
        Deque<Long> q = events.get(key);
        if (q == null) {
            return OptionalLong.empty();
        }
        synchronized (q) {
            long now = clock.getAsLong();
            prune(q, now);
            if (q.size() < limit) {
                return OptionalLong.empty();
            }
            long oldest = q.peekFirst();
            long nanos = oldest + window.toNanos() - now;
            return OptionalLong.of(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
        }
    }

    /**
     * Records one event for {@code key} unconditionally (for example a failed login).
     *
     * @param key the key
     */
    public void record(String key) {
        if (events.size() > PRUNE_THRESHOLD) {
            long now = clock.getAsLong();
            events.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    prune(e.getValue(), now);
                    return e.getValue().isEmpty();
                }
            });
        }
        Deque<Long> q = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (q) {
            long now = clock.getAsLong();
            prune(q, now);
            q.addLast(now);
        }
    }

    /**
     * Forgets every event of {@code key}.
     *
     * @param key the key
     */
    public void reset(String key) {
        events.remove(key);
    }

    private void prune(Deque<Long> q, long now) {
        long horizon = now - window.toNanos();
        while (!q.isEmpty() && q.peekFirst() - horizon <= 0) {
            q.removeFirst();
        }
    }
}
