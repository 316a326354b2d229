package net.moodlepushhub.gateway;

import net.moodlepushhub.common.problem.ProblemCode;

/**
 * Every problem code the gateway answers with that is its own, each with the one HTTP status it is sent with;
 * the codes it shares with the hub ({@code malformed-json}, {@code validation-failed},
 * {@code payload-too-large}, {@code rate-limited}, {@code database-unavailable}) are in
 * {@link net.moodlepushhub.common.problem.CommonProblem}.
 *
 * <p>The README's table of gateway problem codes lists each of them ({@code GatewayProblemTest} checks it).
 * A slug never changes once released: clients, and on the AirNotifier routes
 * {@link net.moodlepushhub.gateway.web.AirNotifierErrors}, match on it.</p>
 */
public enum GatewayProblem implements ProblemCode {

    /** AirNotifier routes: the key is missing or refused (with Moodle's {@code "error": "Invalid access key"}). */
    INVALID_ACCESS_KEY("invalid-access-key", 400),
    /** A query parameter has a value that is not allowed; {@code detail} names it. */
    INVALID_PARAMETER("invalid-parameter", 400),
    /** A form post (multipart or URL-encoded) could not be read. */
    MALFORMED_FORM("malformed-form", 400),
    /** A device token registration without the {@code device} field. */
    MISSING_DEVICE("missing-device", 400),
    /** A required form field is missing ({@code POST /accesskeys/}). */
    MISSING_FIELD("missing-field", 400),
    /** The project's API: no access key was sent. */
    MISSING_KEY("missing-key", 401),
    /** The project's API: the access key was refused; {@code reason} says why. */
    INVALID_KEY("invalid-key", 401),
    /** The site has as many registered devices as its limit allows. */
    DEVICE_LIMIT("device-limit", 403),
    /** The key is valid but lacks the scope the operation needs; {@code scope} names it. */
    INSUFFICIENT_SCOPE("insufficient-scope", 403),
    /** The site is over the hub's user quota. */
    QUOTA_EXCEEDED("quota-exceeded", 403),
    /** No site verified on the hub matches the URL and site id of {@code POST /accesskeys/}. */
    SITE_NOT_VERIFIED("site-not-verified", 403),
    /** The hub's operators suspended the key's site. */
    SITE_SUSPENDED("site-suspended", 403),
    /** The site has no notification with this id. */
    NOTIFICATION_NOT_FOUND("notification-not-found", 404),
    /** The device token is not registered (or not confirmed) for this site. */
    TOKEN_NOT_REGISTERED("token-not-registered", 404),
    /** The device token does not have the shape of its platform's tokens. */
    INVALID_DEVICE_TOKEN("invalid-device-token", 422),
    /** More recipients than one request may name; {@code limit} says how many. */
    TOO_MANY_RECIPIENTS("too-many-recipients", 422),
    /** The {@code device} is not one of ios, android, iOS-fcm, Android-fcm. */
    UNKNOWN_DEVICE("unknown-device", 422),
    /** The hub could not be reached or could not answer; sent with {@code Retry-After} when worth retrying. */
    HUB_UNAVAILABLE("hub-unavailable", 503);

    private final String slug;
    private final int status;

    GatewayProblem(String slug, int status) {
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
