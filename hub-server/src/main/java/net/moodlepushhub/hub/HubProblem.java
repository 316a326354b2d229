package net.moodlepushhub.hub;

import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.ProblemCode;
import net.moodlepushhub.verifier.ProblemType;

/**
 * Every problem code the hub answers with besides the shared ones in {@link CommonProblem}, each with the one
 * HTTP status it is always sent with. Services and resources throw {@code HubProblem.X.exception(detail)}; a
 * slug is never written out anywhere else, so a client can rely on this list (and the README's table, which a
 * unit test keeps in step with it).
 */
public enum HubProblem implements ProblemCode {

    // ---------------------------------------------------------------- requests
    /** A query parameter is out of range or not one of the allowed values. */
    INVALID_PARAMETER("invalid-parameter", 400),
    /** Moodle's registration page was opened without its {@code token} parameter. */
    MISSING_TOKEN("missing-token", 400),
    /** Moodle's registration page was opened without its {@code url} parameter. */
    MISSING_URL("missing-url", 400),
    /** Moodle's registration token is too long or holds spaces or control characters. */
    INVALID_TOKEN("invalid-token", 422),
    /** The registration page's query string is longer than the hub reads. */
    QUERY_TOO_LONG("query-too-long", 414),
    /** The registration page's form expired or was not sent from that page. */
    FORM_EXPIRED("form-expired", 403),
    /** The site URL is not one the hub registers (scheme, host, port, path). */
    INVALID_URL("invalid-url", 422),

    // ---------------------------------------------------------------- credentials
    /** A site-admin call without the management token. */
    MANAGEMENT_TOKEN_REQUIRED("management-token-required", 401),
    /** A management token that is not the site's. */
    INVALID_MANAGEMENT_TOKEN("invalid-management-token", 401),
    /** The revocation feed was read without the gateways' feed token. */
    INVALID_FEED_TOKEN("invalid-feed-token", 401),
    /** An admin call without a session. */
    ADMIN_LOGIN_REQUIRED("admin-login-required", 401),
    /** An admin session token that is not valid (expired, forged, operator gone). */
    INVALID_ADMIN_SESSION("invalid-admin-session", 401),
    /** Unknown operator or wrong password. */
    INVALID_CREDENTIALS("invalid-credentials", 401),
    /** The operator's role does not allow this change. */
    FORBIDDEN_ROLE("forbidden-role", 403),

    // ---------------------------------------------------------------- not found
    /** There is no site with this id. */
    SITE_NOT_FOUND("site-not-found", 404),
    /** There is no pending Moodle registration for this URL and token. */
    REGISTRATION_NOT_FOUND("registration-not-found", 404),
    /** There is no key with this jti. */
    KEY_NOT_FOUND("key-not-found", 404),
    /** There is no abuse report with this id. */
    REPORT_NOT_FOUND("report-not-found", 404),
    /** There is no such operator. */
    OPERATOR_NOT_FOUND("operator-not-found", 404),

    // ---------------------------------------------------------------- site life cycle
    /** Only a pending registration can be verified. */
    NOT_PENDING("not-pending", 409),
    /** Only an active site's keys can be rotated. */
    NOT_ACTIVE("not-active", 409),
    /** The registration was unregistered, replaced or revoked and can no longer change. */
    SITE_ENDED("site-ended", 409),
    /**
     * The hub's operators suspended the site, so it may not do this (unregister). 403 as in the gateway, which
     * refuses a suspended site's keys under the same slug: one slug, one status.
     */
    SITE_SUSPENDED("site-suspended", 403),
    /** The operator's decision does not apply to a site in this state ({@code status} member). */
    INVALID_TRANSITION("invalid-transition", 409),
    /** The revocation was lifted already. */
    ALREADY_LIFTED("already-lifted", 409),
    /** The registration's challenge expired; register again. */
    CHALLENGE_EXPIRED("challenge-expired", 409),
    /** Another request changed the same site at the same time. */
    CONCURRENT_CHANGE("concurrent-change", 409),
    /** The URL's live site is suspended: it cannot be registered anew meanwhile. */
    URL_SUSPENDED("url-suspended", 403),
    /** An admin revoked a site at this URL and did not lift the revocation. */
    URL_REVOKED("url-revoked", 403),
    /** No active site matches this URL and Moodle site id (Moodle's legacy access-key request). */
    SITE_NOT_VERIFIED("site-not-verified", 403),
    /** The site has more users than the hub serves. */
    QUOTA_EXCEEDED("quota-exceeded", 403),
    /** Too many verification attempts for this registration; sent with {@code Retry-After}. */
    TOO_MANY_ATTEMPTS("too-many-attempts", 429),

    // ---------------------------------------------------------------- keys and reports
    /** The key was revoked already. */
    KEY_REVOKED("key-revoked", 409),
    /** The abuse report was resolved already. */
    REPORT_RESOLVED("report-resolved", 409),

    // ---------------------------------------------------------------- proof of URL ownership (site-verifier's types)
    /** The site's host name does not resolve. */
    VERIFICATION_DNS("verification/dns", 422),
    /** The site could not be connected to. */
    VERIFICATION_CONNECTION("verification/connection", 422),
    /** The site did not answer in time. */
    VERIFICATION_TIMEOUT("verification/timeout", 422),
    /** The TLS handshake failed. */
    VERIFICATION_TLS("verification/tls", 422),
    /** A redirect was not acceptable. */
    VERIFICATION_REDIRECT("verification/redirect", 422),
    /** The site's address is one the verifier does not call. */
    VERIFICATION_ADDRESS_REFUSED("verification/address-refused", 422),
    /** The site answered without the challenge. */
    VERIFICATION_UNAUTHORIZED("verification/unauthorized", 422),
    /** The answer was larger than the verifier reads. */
    VERIFICATION_TOO_LARGE("verification/too-large", 422),
    /** The challenge expired (the verifier's vocabulary; the hub answers {@link #CHALLENGE_EXPIRED} before fetching). */
    VERIFICATION_CHALLENGE_EXPIRED("verification/challenge-expired", 422),
    /** The challenge URL is not acceptable. */
    VERIFICATION_MALFORMED("verification/malformed", 422);

    private final String slug;
    private final int status;

    HubProblem(String slug, int status) {
        this.slug = slug;
        this.status = status;
    }

    @Override
    public String slug() {
        return slug;
    }

    @Override
    public int status() {
        return status;
    }

    /**
     * @param type how a proof of URL ownership failed
     * @return its code ({@code verification/<type>})
     */
    public static HubProblem verification(ProblemType type) {
        return valueOf("VERIFICATION_" + type.name());
    }
}
