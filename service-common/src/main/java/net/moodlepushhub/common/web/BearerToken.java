package net.moodlepushhub.common.web;

/**
 * Reads the token of an {@code Authorization: Bearer <token>} header (RFC 6750; the scheme is matched
 * without regard to case).
 */
public final class BearerToken {

    private static final String SCHEME = "Bearer ";

    private BearerToken() {
    }

    /**
     * @param authorization the {@code Authorization} header, may be null
     * @return true when it uses the Bearer scheme
     */
    public static boolean isBearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
    }

    /**
     * @param authorization the {@code Authorization} header, may be null
     * @param maxLength     the longest token accepted; longer ones are treated as absent
     * @return the trimmed token, or null when the header is absent, another scheme, empty or too long
     */
    public static String of(String authorization, int maxLength) {
        if (!isBearer(authorization)) {
            return null;
        }
        String token = authorization.substring(SCHEME.length()).trim();
        return token.isEmpty() || token.length() > maxLength ? null : token;
    }
}
