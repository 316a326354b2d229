package net.moodlepushhub.gateway.provider;

import java.util.function.ToIntFunction;

/**
 * Shortens notification text so that a payload fits a byte limit, cutting only on Unicode code-point boundaries
 * (never inside a surrogate pair, so never inside a UTF-8 multi-byte sequence) and marking the cut with
 * {@value #ELLIPSIS}.
 */
public final class TextFitting {

    /** Appended to shortened text. */
    public static final String ELLIPSIS = "\u2026";

    private TextFitting() {
    }

    /**
     * @param text text to shorten, may be null
     * @param codePoints how many code points to keep
     * @return the first {@code codePoints} code points of {@code text} followed by {@value #ELLIPSIS}, or the text
     * unchanged when it has no more code points than that
     */
    public static String prefixWithEllipsis(String text, int codePoints) {
        if (text == null) {
            return null;
        }
        int total = text.codePointCount(0, text.length());
        if (codePoints >= total) {
            return text;
        }
        int end = text.offsetByCodePoints(0, Math.max(0, codePoints));
        return text.substring(0, end).stripTrailing() + ELLIPSIS;
    }

    /**
     * Finds the longest version of {@code text} (a code-point prefix plus ellipsis, or the whole text) for which
     * {@code sizeOf} stays within {@code maxBytes}. {@code sizeOf} must grow monotonically with the text length,
     * which holds for "the serialized payload containing this text". Uses a binary search, so {@code sizeOf} is
     * called O(log n) times.
     *
     * @param text     the full text, may be null (then null is returned when it fits)
     * @param maxBytes the limit
     * @param sizeOf   computes the payload size in bytes for a candidate text
     * @return the longest fitting candidate; the empty string if only the empty text fits; {@code null} if even
     * the empty text (or, for null text, the payload without it) does not fit
     */
    public static String fit(String text, int maxBytes, ToIntFunction<String> sizeOf) {
        if (sizeOf.applyAsInt(text) <= maxBytes) {
            return text;
        }
        if (text == null || text.isEmpty()) {
            return null;
        }
        int total = text.codePointCount(0, text.length());
        // candidates: k in [0, total-1] -> prefix(k)+ELLIPSIS; find largest fitting k
        int lo = 0;
        int hi = total - 1;
        int best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (sizeOf.applyAsInt(prefixWithEllipsis(text, mid)) <= maxBytes) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (best > 0) {
            return prefixWithEllipsis(text, best);
        }
        // Not even the ellipsis alone fits (or only the ellipsis fits): try the empty text.
        if (best == 0) {
            return ELLIPSIS;
        }
        return sizeOf.applyAsInt("") <= maxBytes ? "" : null;
    }
}
