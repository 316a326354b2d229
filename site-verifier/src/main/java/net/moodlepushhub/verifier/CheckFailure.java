package net.moodlepushhub.verifier;

/** Thrown by a named check to end the verification with a typed problem. Carries no stack trace. */
final class CheckFailure extends Exception {

    private final transient VerificationProblem problem;

    CheckFailure(final ProblemType type, final Check check, final String detail) {
        super(detail, null, false, false);
        this.problem = VerificationProblem.of(type, check, detail);
    }

    VerificationProblem problem() {
        return problem;
    }
}
