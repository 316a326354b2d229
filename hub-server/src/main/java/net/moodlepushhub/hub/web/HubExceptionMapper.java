package net.moodlepushhub.hub.web;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.ProblemResponses;
import net.moodlepushhub.hub.HubDomainException;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.hub.persistence.ConcurrentChangeException;
import net.moodlepushhub.hub.registration.Site;
import net.moodlepushhub.hub.registration.SiteTransitionException;

/**
 * Chooses the problem for the hub's domain exceptions: a refused life-cycle transition and a concurrent
 * change. The domain says what happened; the status and code are decided here only, for the JSON API (as a
 * JAX-RS mapper) and for Moodle's routes (through {@link #problem(HubDomainException)}).
 */
@Provider
public class HubExceptionMapper implements ExceptionMapper<HubDomainException> {

    @Override
    public Response toResponse(HubDomainException exception) {
        return ProblemResponses.toResponse(problem(exception));
    }

    /**
     * @param exception a hub domain exception
     * @return its problem
     */
    public static Problem problem(HubDomainException exception) {
        if (exception instanceof SiteTransitionException e) {
            return transition(e);
        }
        if (exception instanceof ConcurrentChangeException) {
            return Problem.of(HubProblem.CONCURRENT_CHANGE, "Another request changed this site at the same time; read it again.");
        }
        throw new IllegalArgumentException("no problem for " + exception.getClass().getName(), exception);
    }

    private static Problem transition(SiteTransitionException e) {
        String status = e.from().wire();
        return switch (e.reason()) {
            case NOT_PENDING -> Problem.of(HubProblem.NOT_PENDING, "This registration is " + status
                    + "; only a pending registration can be verified.");
            case NOT_ACTIVE -> Problem.of(HubProblem.NOT_ACTIVE, "Keys can only be rotated for an active site; this one is "
                    + status + ".");
            case ENDED -> Problem.of(HubProblem.SITE_ENDED, "This registration is " + status + " and can no longer change.");
            case SUSPENDED -> e.action() == Site.Action.REPLACE
                    ? Problem.of(HubProblem.URL_SUSPENDED, "A hub administrator suspended the site registered at this URL; "
                            + "it cannot be registered again while the suspension lasts.")
                    : Problem.of(HubProblem.SITE_SUSPENDED, "A hub administrator suspended this site; it cannot be "
                            + e.action().pastTense() + " while the suspension lasts.");
            case ALREADY_LIFTED -> Problem.of(HubProblem.ALREADY_LIFTED, "The revocation of this site was lifted already.");
            case NOT_FROM_THIS_STATE -> Problem.of(HubProblem.INVALID_TRANSITION, "A " + status + " site cannot be "
                    + e.action().pastTense() + ".").with("status", status);
        };
    }
}
