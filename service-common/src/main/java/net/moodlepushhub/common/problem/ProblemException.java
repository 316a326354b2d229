package net.moodlepushhub.common.problem;

/**
 * Thrown by service code to end a request with a {@link Problem}. Mapped to an
 * {@code application/problem+json} response by {@link ProblemExceptionMapper}.
 */
public class ProblemException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Problem problem;

    /**
     * @param problem what went wrong
     */
    public ProblemException(Problem problem) {
        super(problem.toString(), null, false, false);
        this.problem = problem;
    }

    /** @return what went wrong */
    public Problem problem() {
        return problem;
    }
}
