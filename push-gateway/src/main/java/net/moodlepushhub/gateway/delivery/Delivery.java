package net.moodlepushhub.gateway.delivery;

import net.moodlepushhub.gateway.provider.Platform;

/**
 * One claimed recipient of a notification, ready to send. It is either still in the batch it was accepted in
 * ({@code id} 0, {@code batchSeq} and {@code batchIndex} say where) or a delivery row of its own (a retry, or a
 * recipient released or retried by its site).
 *
 * @param id             its delivery row, or 0 while it is in its batch
 * @param notificationId the notification
 * @param recipient      the recipient's index in the request (or the token id for broadcasts)
 * @param siteId         the sending site
 * @param token          the device token
 * @param platform       its platform
 * @param attempts       attempts made so far
 * @param batchSeq       the batch it is in, or null when it has a row of its own
 * @param batchIndex     its position in that batch (its bit in the batch's answered bitmap); 0 for a row
 */
public record Delivery(long id, String notificationId, long recipient, String siteId, String token, Platform platform, int attempts, Integer batchSeq, int batchIndex) {

    /**
     * A recipient claimed with its batch.
     *
     * @param batch     the batch
     * @param index     its position in the batch
     * @param recipient its recipient number
     * @param siteId    the site
     * @param token     the device token
     * @param platform  the batch's platform
     * @return the delivery
     */
    public static Delivery inBatch(DeliveryQueue.BatchKey batch, int index, long recipient, String siteId, String token, Platform platform) {
        return new Delivery(0, batch.notificationId(), recipient, siteId, token, platform, 0, batch.seq(), index);
    }

    /** @return the batch this recipient is in, or null when it has a row of its own */
    public DeliveryQueue.BatchKey batch() {
        return batchSeq == null ? null : new DeliveryQueue.BatchKey(notificationId, batchSeq);
    }

    /** @return the idempotency key: stable for this recipient of this notification across retries and restarts */
    public String idempotencyKey() {
        return notificationId + ":" + recipient;
    }
}
