package net.moodlepushhub.gateway.provider;

import java.util.concurrent.CompletableFuture;

/**
 * Sends {@link PushMessage}s to one push service with one set of credentials. Implementations are thread-safe,
 * hold long-lived connections and must be {@linkplain #close() closed} on shutdown. They are plain Java (no CDI).
 */
public interface PushProvider extends AutoCloseable {

    /** @return the push service this provider talks to */
    Platform platform();

    /**
     * Sends one message asynchronously.
     *
     * @param message the message; its {@link PushMessage#platform()} should be {@link #platform()}
     * @return a future that completes with the mapped answer of the push service. It does not complete exceptionally
     * for service answers or transport failures (those become {@link SendOutcome.Retryable} or
     * {@link SendOutcome.Failed}); only programming errors may surface as exceptions.
     */
    CompletableFuture<SendOutcome> send(PushMessage message);

    /** Releases connections and threads. Does not throw checked exceptions. */
    @Override
    void close();
}
