package net.moodlepushhub.gateway.provider;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A provider that sends nothing: it remembers the last {@code capacity} messages in memory and answers every send
 * with {@link SendOutcome.Delivered} carrying a synthetic id ({@code sandbox-<platform>-<n>}). Used to run the gateway
 * without APNs/FCM credentials and in tests. Thread-safe.
 */
public final class SandboxProvider implements PushProvider {

    private final Platform platform;
    private final int capacity;
    private final Deque<PushMessage> recent = new ArrayDeque<>();
    private final AtomicLong counter = new AtomicLong();

    /**
     * @param platform the platform this sandbox pretends to be
     * @param capacity how many recent messages to keep (older ones are dropped); must be at least 0
     */
    public SandboxProvider(Platform platform, int capacity) {
        this.platform = Objects.requireNonNull(platform, "platform");
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0");
        }
        this.capacity = capacity;
    }

    /** @param platform the platform this sandbox pretends to be; keeps the last 1000 messages */
    public SandboxProvider(Platform platform) {
        this(platform, 1000);
    }

    @Override
    public Platform platform() {
        return platform;
    }

    @Override
    public CompletableFuture<SendOutcome> send(PushMessage message) {
        Objects.requireNonNull(message, "message");
        long n = counter.incrementAndGet();
        if (capacity > 0) {
            synchronized (recent) {
                if (recent.size() == capacity) {
                    recent.removeFirst();
                }
                recent.addLast(message);
            }
        }
        return CompletableFuture.completedFuture(
                new SendOutcome.Delivered("sandbox-" + platform.name().toLowerCase() + "-" + n));
    }

    /** @return a snapshot of the recorded messages, oldest first */
    public List<PushMessage> sentMessages() {
        synchronized (recent) {
            return List.copyOf(new ArrayList<>(recent));
        }
    }

    /** @return how many messages were sent since creation (including ones no longer recorded) */
    public long sentCount() {
        return counter.get();
    }

    /** Forgets the recorded messages (the counter keeps running). */
    public void clear() {
        synchronized (recent) {
            recent.clear();
        }
    }

    @Override
    public void close() {
        // nothing to release
    }
}
