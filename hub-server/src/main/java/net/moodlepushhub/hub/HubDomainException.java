package net.moodlepushhub.hub;

/**
 * A refusal in the hub's own terms (a life-cycle transition that is not allowed, a concurrent change), thrown
 * by entities and services that know nothing about HTTP. {@code net.moodlepushhub.hub.web.HubExceptionMapper}
 * turns each into its problem.
 */
public abstract class HubDomainException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, for logs
     * @param cause   the underlying failure, or null
     */
    protected HubDomainException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
