package net.moodlepushhub.common.problem;

import java.io.IOException;

/**
 * Raised while reading a request body that exceeds the configured limit. It is an {@link IOException} so that
 * it travels through whatever JSON reader is consuming the stream; mappers look for it in the cause chain.
 */
public class PayloadTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long limit;

    /** @param limit the limit that was exceeded, in bytes */
    public PayloadTooLargeException(long limit) {
        super("request body larger than " + limit + " bytes");
        this.limit = limit;
    }

    /** @return the {@code 413 payload-too-large} problem */
    public Problem problem() {
        return Problem.of(CommonProblem.PAYLOAD_TOO_LARGE, "The request body is larger than the limit of " + limit + " bytes.")
                .with("limit", limit);
    }

    /**
     * @param t a throwable
     * @return the first {@code PayloadTooLargeException} in its cause chain, or null
     */
    public static PayloadTooLargeException findIn(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PayloadTooLargeException p) {
                return p;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
