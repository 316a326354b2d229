package net.moodlepushhub.verifier;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link SiteVerifier#verify(java.net.URI, String)}: valid, or failed with exactly one
 * {@link VerificationProblem}; plus the {@linkplain #hops() hops} that were made.
 *
 * <p>A result never holds any content fetched from the site. Instances are immutable and thread-safe.
 */
public final class VerificationResult {

    private final VerificationProblem problem;
    private final List<Hop> hops;

    private VerificationResult(final VerificationProblem problem, final List<Hop> hops) {
        this.problem = problem;
        this.hops = List.copyOf(hops);
    }

    /**
     * Creates a successful result.
     *
     * @param hops the hops made, in order; the last one must be the one that served the matching content
     * @return a valid result
     * @throws NullPointerException if {@code hops} or any element is {@code null}
     */
    public static VerificationResult success(final List<Hop> hops) {
        return new VerificationResult(null, hops);
    }

    /**
     * Creates a failed result.
     *
     * @param problem why the verification failed
     * @param hops    the hops made, in order (may be empty)
     * @return an invalid result
     * @throws NullPointerException if an argument or any hop is {@code null}
     */
    public static VerificationResult failure(final VerificationProblem problem, final List<Hop> hops) {
        return new VerificationResult(Objects.requireNonNull(problem, "problem"), hops);
    }

    /**
     * Creates a failed result without hops, for callers that reject a verification before fetching anything
     * (for example with {@link ProblemType#CHALLENGE_EXPIRED}).
     *
     * @param problem why the verification failed
     * @return an invalid result with no hops
     * @throws NullPointerException if {@code problem} is {@code null}
     */
    public static VerificationResult failure(final VerificationProblem problem) {
        return failure(problem, List.of());
    }

    /**
     * Tells whether the site served exactly the expected content.
     *
     * @return {@code true} only if the final response was a 200 whose body matched the challenge
     */
    public boolean isValid() {
        return problem == null;
    }

    /**
     * Returns why the verification failed.
     *
     * @return the problem, or empty if the result {@linkplain #isValid() is valid}
     */
    public Optional<VerificationProblem> problem() {
        return Optional.ofNullable(problem);
    }

    /**
     * Returns the hops made: the challenge URL first, then each redirect target, including a final hop that
     * was refused before connecting.
     *
     * @return an unmodifiable list; never {@code null}
     */
    public List<Hop> hops() {
        return hops;
    }

    /**
     * Returns the address of the last hop that connected to a server.
     *
     * @return the textual address, or {@code null} if no hop connected
     */
    public String resolvedAddress() {
        for (int i = hops.size() - 1; i >= 0; i--) {
            final String address = hops.get(i).address();
            if (address != null) {
                return address;
            }
        }
        return null;
    }

    /**
     * Returns a description with the outcome and the hops; never includes fetched content.
     *
     * @return a description of this result
     */
    @Override
    public String toString() {
        return "VerificationResult{" + (problem == null ? "valid" : problem.toString()) + ", hops=" + hops + "}";
    }
}
