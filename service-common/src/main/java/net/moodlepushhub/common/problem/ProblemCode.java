package net.moodlepushhub.common.problem;

/**
 * A stable problem code and the HTTP status it is always sent with.
 *
 * <p>Each service keeps one catalogue of its codes as an enum implementing this interface (the hub's
 * {@code HubProblem}, the gateway's {@code GatewayProblem}); the codes both services share are in
 * {@link CommonProblem}. A code's slug never changes once released, and one slug has one status everywhere:
 * clients match on the slug, so {@code site-suspended} cannot be 403 in one service and 409 in the other.</p>
 */
public interface ProblemCode {

    /** @return the stable slug, lower-case with dashes: the last segment of the problem type URI */
    String slug();

    /** @return the HTTP status every problem of this code is sent with */
    int status();

    /**
     * Creates a problem of this code.
     *
     * @param detail a human explanation specific to this occurrence
     * @return the problem
     */
    default Problem problem(String detail) {
        return Problem.of(this, detail);
    }

    /**
     * Creates the exception that aborts a request with a problem of this code.
     *
     * @param detail a human explanation specific to this occurrence
     * @return the exception, for {@code throw}
     */
    default ProblemException exception(String detail) {
        return problem(detail).toException();
    }
}
