package net.moodlepushhub.hub.registration;

/**
 * A site's life cycle does not allow this action in its current state. Thrown by {@link Site}; the API answers
 * with the problem {@code net.moodlepushhub.hub.web.HubExceptionMapper} chooses for the action and the reason.
 */
public class SiteTransitionException extends net.moodlepushhub.hub.HubDomainException {

    private static final long serialVersionUID = 1L;

    /** Why the action was refused, in the site's terms. */
    public enum Reason {
        /** Only a pending registration can be activated. */
        NOT_PENDING,
        /** Only an active site may do this. */
        NOT_ACTIVE,
        /** The registration ended (unregistered, replaced, revoked). */
        ENDED,
        /** The site is suspended. */
        SUSPENDED,
        /** The revocation was lifted already. */
        ALREADY_LIFTED,
        /** The action does not lead anywhere from this state. */
        NOT_FROM_THIS_STATE
    }

    private final Site.Action action;
    private final SiteStatus from;
    private final Reason reason;

    /**
     * @param action what was attempted
     * @param from   the site's status
     * @param reason why it is refused
     */
    public SiteTransitionException(Site.Action action, SiteStatus from, Reason reason) {
        super("a " + from.wire() + " site cannot be " + action.pastTense() + " (" + reason + ")", null);
        this.action = action;
        this.from = from;
        this.reason = reason;
    }

    /** @return what was attempted */
    public Site.Action action() {
        return action;
    }

    /** @return the site's status at the time */
    public SiteStatus from() {
        return from;
    }

    /** @return why it is refused */
    public Reason reason() {
        return reason;
    }
}
