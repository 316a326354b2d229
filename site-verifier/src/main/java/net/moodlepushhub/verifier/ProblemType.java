package net.moodlepushhub.verifier;

/**
 * The kind of failure a verification ended with.
 *
 * <p>Each constant has a stable, lower-case {@linkplain #slug() slug} that is safe to store, to put in
 * metrics labels and to use as the last segment of an RFC 9457 problem type URI. The slugs never change
 * once released; new constants may be added.
 */
public enum ProblemType {

    /** The host name could not be resolved, or resolved to no address at all. */
    DNS("dns"),

    /** A TCP connection could not be established, or the HTTP exchange broke or was malformed. */
    CONNECTION("connection"),

    /** The connect timeout or the total verification deadline was exceeded. */
    TIMEOUT("timeout"),

    /** The TLS handshake failed: untrusted or mismatching certificate, or no acceptable protocol version. */
    TLS("tls"),

    /** A redirect was not acceptable: wrong status, missing or bad {@code Location}, too many, or a loop. */
    REDIRECT("redirect"),

    /**
     * The verifier refused to connect: the URL names a non-canonical IP literal, a port that is not allowed,
     * or a host whose addresses (any one of them) lie in a reserved or private range.
     */
    ADDRESS_REFUSED("address-refused"),

    /** The site answered, but not with a 200 response whose content matches the challenge. */
    UNAUTHORIZED("unauthorized"),

    /** The response body is larger than the configured maximum. */
    TOO_LARGE("too-large"),

    /**
     * The challenge is no longer valid. {@link SiteVerifier} never produces this type itself: it is for callers
     * that track challenge lifetimes and want to report expiry in the same vocabulary
     * (see {@link VerificationResult#failure(VerificationProblem)}).
     */
    CHALLENGE_EXPIRED("challenge-expired"),

    /** The URL is not acceptable: not absolute, wrong scheme, user-info present, bad host or port syntax. */
    MALFORMED("malformed");

    private final String slug;

    ProblemType(final String slug) {
        this.slug = slug;
    }

    /**
     * Returns the stable machine-readable name of this problem type, e.g. {@code "address-refused"}.
     *
     * @return the slug; never {@code null}
     */
    public String slug() {
        return slug;
    }
}
