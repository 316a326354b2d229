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
 * @param batchSeq       the batch it was claimed with, or null when it was claimed on its own (a retry)
 */
public record Delivery(long id, String notificationId, long recipient, String siteId, String token, Platform platform, int attempts, Integer batchSeq) {

    /** @return the batch this delivery was claimed with, or null */
    public DeliveryQueue.BatchKey batch() {
        return batchSeq == null ? null : new DeliveryQueue.BatchKey(notificationId, batchSeq);
    }

    /** @return the idempotency key: stable for this recipient of this notification across retries and restarts */
    public String idempotencyKey() {
        return notificationId + ":" + recipient;
    }
}
