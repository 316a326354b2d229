package net.moodlepushhub.gateway.delivery;

/** The state of one recipient of one notification. */
public enum DeliveryStatus {
    /** Stored, waiting for a worker (or for its next retry time). */
    QUEUED,
    /** Taken by a gateway instance until its lease ends. */
    CLAIMED,
    /** The push service accepted it. Final. */
    DELIVERED,
    /** Given up after the retry limit or a permanent refusal; the site can ask for a retry. */
    FAILED,
    /** The push service said the token is dead; the token was deleted. Final. */
    INVALID_TOKEN,
    /** The site is suspended: kept, not sent, until it is reinstated. */
    HELD;

    /** @return the lower-case name used on the wire */
    public String wire() {
        return name().toLowerCase();
    }
}
