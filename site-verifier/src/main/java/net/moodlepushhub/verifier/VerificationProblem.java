package net.moodlepushhub.verifier;

import java.util.Objects;

/**
 * Why a verification failed: a typed {@link ProblemType}, the {@link Check} that failed, and a human-readable
 * detail.
 *
 * <p>The detail is written for the site administrator and is safe to show them. It <strong>never</strong>
 * contains anything the site returned: no body bytes, no header values, no reason phrase and no certificate
 * fields. It may name the host, port and status code, and the reserved range an address fell into.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class VerificationProblem {

    private final ProblemType type;
    private final Check check;
    private final String detail;

    private VerificationProblem(final ProblemType type, final Check check, final String detail) {
        this.type = Objects.requireNonNull(type, "type");
        this.check = Objects.requireNonNull(check, "check");
        this.detail = Objects.requireNonNull(detail, "detail");
    }

    /**
     * Creates a problem. {@link SiteVerifier} creates its own problems; this factory is for callers that report
     * related failures (such as {@link ProblemType#CHALLENGE_EXPIRED}) in the same shape.
     *
     * @param type   the problem type
     * @param check  the check that failed
     * @param detail human-readable explanation; must not contain content fetched from the site
     * @return a new problem
     * @throws NullPointerException if any argument is {@code null}
     */
    public static VerificationProblem of(final ProblemType type, final Check check, final String detail) {
        return new VerificationProblem(type, check, detail);
    }

    /**
     * Returns the type of this problem.
     *
     * @return the problem type; never {@code null}
     */
    public ProblemType type() {
        return type;
    }

    /**
     * Returns the check that failed.
     *
     * @return the failed check; never {@code null}
     */
    public Check check() {
        return check;
    }

    /**
     * Returns a human-readable explanation that never contains what the site returned.
     *
     * @return the detail; never {@code null}
     */
    public String detail() {
        return detail;
    }

    /**
     * Returns {@code type-slug [check-slug]: detail}.
     *
     * @return a description of this problem
     */
    @Override
    public String toString() {
        return type.slug() + " [" + check.slug() + "]: " + detail;
    }

    /**
     * Compares type, check and detail.
     *
     * @param o the object to compare with
     * @return whether {@code o} is an equal problem
     */
    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof VerificationProblem)) {
            return false;
        }
        final VerificationProblem other = (VerificationProblem) o;
        return type == other.type && check == other.check && detail.equals(other.detail);
    }

    /**
     * Returns a hash code consistent with {@link #equals(Object)}.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Objects.hash(type, check, detail);
    }
}
