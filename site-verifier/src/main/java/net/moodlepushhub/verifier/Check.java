package net.moodlepushhub.verifier;

/**
 * The named checks a verification runs, in the order they apply to each hop.
 *
 * <p>Every failed verification names the check that failed ({@link VerificationProblem#check()}), in the
 * manner of Let's Encrypt Boulder's validation code: one check, one reason, one {@link ProblemType}. The
 * {@linkplain #slug() slugs} are stable and safe for logs and metrics.
 */
public enum Check {

    /** The URL is absolute and hierarchical ({@code scheme://authority/...}); failure: {@link ProblemType#MALFORMED}. */
    URL_SYNTAX("url-syntax"),

    /** The scheme is {@code http} or {@code https}; failure: {@link ProblemType#MALFORMED}. */
    SCHEME("scheme"),

    /** The URL carries no user-info ({@code user:password@}); failure: {@link ProblemType#MALFORMED}. */
    NO_USER_INFO("no-user-info"),

    /** The port, explicit or the scheme default, is syntactically valid; failure: {@link ProblemType#MALFORMED}. */
    PORT_SYNTAX("port-syntax"),

    /** The port is one of the allowed ports; failure: {@link ProblemType#ADDRESS_REFUSED}. */
    PORT_ALLOWED("port-allowed"),

    /**
     * An IP literal host is written canonically (dotted-quad IPv4 or bracketed IPv6 without zone); decimal,
     * octal, hexadecimal and short forms are refused; failure: {@link ProblemType#ADDRESS_REFUSED}.
     */
    IP_LITERAL_CANONICAL("ip-literal-canonical"),

    /** A host name is a syntactically valid ASCII DNS name; failure: {@link ProblemType#MALFORMED}. */
    HOST_SYNTAX("host-syntax"),

    /** The host name resolves to at least one address; failure: {@link ProblemType#DNS}. */
    DNS_RESOLVES("dns-resolves"),

    /** Every address of the host lies outside the reserved ranges; failure: {@link ProblemType#ADDRESS_REFUSED}. */
    ADDRESS_ALLOWED("address-allowed"),

    /** The verification finished before its total deadline; failure: {@link ProblemType#TIMEOUT}. */
    DEADLINE("deadline"),

    /** A TCP connection to a checked address was established; failure: {@link ProblemType#CONNECTION}. */
    CONNECT("connect"),

    /** The TLS handshake and certificate validation for the host name succeeded; failure: {@link ProblemType#TLS}. */
    TLS_HANDSHAKE("tls-handshake"),

    /** The server sent a well-formed, complete HTTP response; failure: {@link ProblemType#CONNECTION}. */
    HTTP_EXCHANGE("http-exchange"),

    /** A 3xx status is one of 301, 302, 307 or 308; failure: {@link ProblemType#REDIRECT}. */
    REDIRECT_STATUS("redirect-status"),

    /** A redirect has exactly one valid {@code Location} header; failure: {@link ProblemType#REDIRECT}. */
    REDIRECT_LOCATION("redirect-location"),

    /** A redirect target was not visited before in this verification; failure: {@link ProblemType#REDIRECT}. */
    REDIRECT_LOOP("redirect-loop"),

    /** No more than the configured number of redirects were followed; failure: {@link ProblemType#REDIRECT}. */
    REDIRECT_LIMIT("redirect-limit"),

    /** The final status is 200; failure: {@link ProblemType#UNAUTHORIZED}. */
    STATUS_OK("status-ok"),

    /** The body is no larger than the configured maximum; failure: {@link ProblemType#TOO_LARGE}. */
    BODY_SIZE("body-size"),

    /** The body, UTF-8 decoded with trailing whitespace trimmed, equals the challenge; failure: {@link ProblemType#UNAUTHORIZED}. */
    CONTENT_MATCHES("content-matches"),

    /**
     * The challenge has not expired. Never run by {@link SiteVerifier}; provided for callers reporting
     * {@link ProblemType#CHALLENGE_EXPIRED}.
     */
    CHALLENGE_FRESH("challenge-fresh");

    private final String slug;

    Check(final String slug) {
        this.slug = slug;
    }

    /**
     * Returns the stable machine-readable name of this check, e.g. {@code "address-allowed"}.
     *
     * @return the slug; never {@code null}
     */
    public String slug() {
        return slug;
    }
}
