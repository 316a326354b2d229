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

    /**
     * Prepares one notification for many recipients: whatever the push service's payload needs (shaping,
     * fitting, serialising) is done here once, not per recipient.
     *
     * @param template the message; its {@code token} and {@code idempotencyKey} are placeholders, replaced per
     *                 recipient by {@link Prepared#send(String, String)}
     * @return the prepared notification
     */
    default Prepared prepare(PushMessage template) {
        return (idempotencyKey, token) -> send(new PushMessage(idempotencyKey, token, template.platform(), template.alert(), template.title(),
                template.jsonExtra(), template.badge(), template.sound(), template.expiration(), template.priority(), template.collapseId()));
    }

    /** A notification prepared once by {@link #prepare(PushMessage)}, sent to each recipient. Thread-safe. */
    @FunctionalInterface
    interface Prepared {
        /**
         * @param idempotencyKey the recipient's idempotency key
         * @param token          the recipient's device token
         * @return as {@link PushProvider#send(PushMessage)}
         */
        CompletableFuture<SendOutcome> send(String idempotencyKey, String token);
    }

    /** Releases connections and threads. Does not throw checked exceptions. */
    @Override
    void close();
}
