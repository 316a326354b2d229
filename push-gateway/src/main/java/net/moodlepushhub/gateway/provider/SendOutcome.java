package net.moodlepushhub.gateway.provider;

import java.time.Duration;
import java.time.Instant;

/**
 * What a push service answered for one {@link PushMessage}. Providers map every answer (and transport failures) to
 * one of these four outcomes; the caller decides what to store, retry or drop.
 */
public sealed interface SendOutcome
        permits SendOutcome.Delivered, SendOutcome.InvalidToken, SendOutcome.Retryable, SendOutcome.Failed {

    /**
     * The push service accepted the message.
     *
     * @param providerMessageId the service's id (APNs {@code apns-id}, FCM message {@code name}, sandbox synthetic id)
     */
    record Delivered(String providerMessageId) implements SendOutcome { }

    /**
     * The token is dead or does not belong to this app/project: stop sending to it.
     *
     * @param reason       the service's reason (e.g. {@code Unregistered}, {@code BadDeviceToken}, {@code UNREGISTERED})
     * @param invalidSince when the service says the token stopped being valid (APNs 410 timestamp), else {@code null}
     */
    record InvalidToken(String reason, Instant invalidSince) implements SendOutcome { }

    /**
     * A temporary failure (throttling, server error, I/O): try again later.
     *
     * @param reason     short reason
     * @param retryAfter how long the service asked to wait, or {@code null} when it did not say
     */
    record Retryable(String reason, Duration retryAfter) implements SendOutcome { }

    /**
     * A permanent failure for this message (bad payload, configuration error): retrying the same message won't help.
     *
     * @param reason short reason
     */
    record Failed(String reason) implements SendOutcome { }
}
