package net.moodlepushhub.common.keys;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The site key in a form that Moodle's {@code airnotifieraccesskey} setting accepts verbatim.
 *
 * <p>That setting is {@code PARAM_ALPHANUMEXT}: only {@code [A-Za-z0-9_-]} survive, and a compact JWT has
 * dots. The Moodle form is therefore the compact JWT's ASCII bytes encoded once more with unpadded base64url
 * (RFC 4648 section 5). The encoding is lossless, its alphabet is exactly the allowed one, and a compact JWT
 * always begins with {@code eyJ}, so its Moodle form always begins with {@code ZXlK}. The gateway accepts both
 * forms: a key containing a dot is a compact JWT, anything else is decoded first.</p>
 */
public final class MoodleAccessKey {

    /** What Moodle's {@code PARAM_ALPHANUMEXT} keeps. */
    public static final Pattern MOODLE_SAFE = Pattern.compile("^[A-Za-z0-9_-]+$");

    /** Longest key accepted for decoding; far above any key the hub issues, it bounds the work done. */
    public static final int MAX_LENGTH = 8192;

    private MoodleAccessKey() {
    }

    /**
     * @param compactJwt a compact JWS
     * @return its Moodle-safe form
     */
    public static String encode(String compactJwt) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(compactJwt.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Turns whatever a client presented into a compact JWT candidate.
     *
     * @param presented a compact JWT or its Moodle-safe form
     * @return the compact JWT, or null when the input is neither
     */
    public static String toCompactJwt(String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > MAX_LENGTH) {
            return null;
        }
        if (presented.indexOf('.') >= 0) {
            return presented;
        }
        if (!MOODLE_SAFE.matcher(presented).matches()) {
            return null;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(presented), StandardCharsets.US_ASCII);
            return decoded.chars().filter(c -> c == '.').count() == 2 ? decoded : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
