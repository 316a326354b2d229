package net.moodlepushhub.gateway.delivery;

import net.moodlepushhub.gateway.provider.Platform;

/**
 * One claimed recipient of a notification, ready to send.
 *
 * @param id             the delivery row
 * @param notificationId the notification
 * @param recipient      the recipient's index in the request (or the token id for broadcasts)
 * @param siteId         the sending site
 * @param token          the device token
 * @param platform       its platform
 * @param attempts       attempts made so far
 */
public record Delivery(long id, String notificationId, long recipient, String siteId, String token, Platform platform, int attempts) {

    /** @return the idempotency key: stable for this recipient of this notification across retries and restarts */
    public String idempotencyKey() {
        return notificationId + ":" + recipient;
    }
}
