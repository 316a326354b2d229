package net.moodlepushhub.common.problem;

/**
 * The problem codes every service of the project may answer with: malformed requests, validation, limits and
 * the generic HTTP refusals produced by the mappers in this package.
 */
public enum CommonProblem implements ProblemCode {

    /** The body could not be read as the expected JSON document. */
    MALFORMED_REQUEST("malformed-request", 400),
    /** The body is not valid JSON, or not a JSON object where one is required. */
    MALFORMED_JSON("malformed-json", 400),
    /** A field is missing or has a value that is not allowed; {@code detail} names the field. */
    VALIDATION_FAILED("validation-failed", 422),
    /** The body is larger than the service accepts. */
    PAYLOAD_TOO_LARGE("payload-too-large", 413),
    /** The caller is over a rate limit; sent with {@code Retry-After}. */
    RATE_LIMITED("rate-limited", 429),
    /** The request needs credentials and has none. */
    UNAUTHENTICATED("unauthenticated", 401),
    /** The credentials do not allow this request. */
    FORBIDDEN("forbidden", 403),
    /** There is no such resource. */
    NOT_FOUND("not-found", 404),
    /** The resource does not support the method; sent with {@code Allow}. */
    METHOD_NOT_ALLOWED("method-not-allowed", 405),
    /** The resource cannot produce the requested media type. */
    NOT_ACCEPTABLE("not-acceptable", 406),
    /** The body's media type is not accepted. */
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415),
    /** The service's database cannot be reached; sent with {@code Retry-After}. */
    DATABASE_UNAVAILABLE("database-unavailable", 503),
    /** The service failed to handle the request; the cause is in its log, never in the answer. */
    INTERNAL_ERROR("internal-error", 500);

    private final String slug;
    private final int status;

    CommonProblem(String slug, int status) {
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
}
