package net.moodlepushhub.hub.moodle;

/**
 * An error answered to Moodle's web-service client in Moodle's own format:
 * {@code {"exception":"moodle_exception","errorcode":"…","message":"…"}}, always with HTTP 200 (Moodle reads
 * the {@code exception} member before the status). {@code invalidtoken} makes Moodle forget its registration
 * and register again; any other code keeps it.
 */
public final class MoodleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The site's token is unknown, or its registration ended. */
    public static final String INVALID_TOKEN = "invalidtoken";
    /** A parameter is missing, too long or malformed. */
    public static final String INVALID_PARAMETER = "invalidparameter";

    private final String errorcode;

    /**
     * @param errorcode Moodle's error code
     * @param message   a human explanation (never echoing secrets)
     */
    public MoodleException(String errorcode, String message) {
        super(message, null, false, false);
        this.errorcode = errorcode;
    }

    /** @return Moodle's error code */
    public String errorcode() {
        return errorcode;
    }

    /** @return the token is not (or no longer) valid */
    public static MoodleException invalidToken() {
        return new MoodleException(INVALID_TOKEN, "Invalid token - token not found or its registration ended; register the site again.");
    }

    /**
     * @param message what is wrong
     * @return an invalid-parameter error
     */
    public static MoodleException invalidParameter(String message) {
        return new MoodleException(INVALID_PARAMETER, "Invalid parameter value detected: " + message);
    }
}
