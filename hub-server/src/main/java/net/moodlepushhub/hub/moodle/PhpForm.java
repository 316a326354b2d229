package net.moodlepushhub.hub.moodle;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code application/x-www-form-urlencoded} text the way PHP fills {@code $_POST}/{@code $_GET} for what
 * Moodle sends: {@code http_build_query()} bodies ({@code siteinfo[users]=5}, {@code url[0]=…}) and
 * {@code moodle_url} query strings (bare keys without {@code =} for empty values). One level of nesting is
 * all Moodle uses; anything deeper, an unclosed bracket, a name used both as a value and as an array, or bad
 * percent-encoding is refused as malformed rather than guessed at.
 */
public final class PhpForm {

    /** The most fields accepted in one form (Moodle sends about 50). */
    static final int MAX_FIELDS = 1000;

    /** The longest field name accepted. */
    static final int MAX_NAME = 128;

    private PhpForm() {
    }

    /** Thrown for input that is not a well-formed PHP-style form. */
    public static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param encoded  the form text (a request body or a raw query string), may be null
     * @param maxValue the longest value accepted, in characters
     * @return top-level names mapped to a {@code String} or to a {@code Map<String, String>} (insertion order kept)
     * @throws MalformedException when the text is not a form Moodle would send
     */
    public static Map<String, Object> parse(String encoded, int maxValue) throws MalformedException {
        Map<String, Object> out = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return out;
        }
        String[] pairs = encoded.split("&", -1);
        if (pairs.length > MAX_FIELDS) {
            throw new MalformedException("more than " + MAX_FIELDS + " fields");
        }
        for (String pair : pairs) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (name.isEmpty() || name.length() > MAX_NAME) {
                throw new MalformedException("a field name is empty or longer than " + MAX_NAME + " characters");
            }
            if (value.length() > maxValue) {
                throw new MalformedException("the field " + printable(name) + " is longer than " + maxValue + " characters");
            }
            int open = name.indexOf('[');
            if (open < 0) {
                if (name.indexOf(']') >= 0) {
                    throw new MalformedException("the field name " + printable(name) + " has an unmatched ']'");
                }
                if (out.get(name) instanceof Map) {
                    throw new MalformedException("the field " + printable(name) + " is both a value and an array");
                }
                out.put(name, value);
                continue;
            }
            String base = name.substring(0, open);
            int close = name.indexOf(']', open);
            if (base.isEmpty() || close < 0 || close != name.length() - 1 || name.indexOf('[', open + 1) >= 0) {
                throw new MalformedException("the field name " + printable(name) + " is not of the form name[key]");
            }
            String key = name.substring(open + 1, close);
            Object existing = out.get(base);
            if (existing instanceof String) {
                throw new MalformedException("the field " + printable(base) + " is both a value and an array");
            }
            @SuppressWarnings("unchecked")
            Map<String, String> nested = existing == null ? new LinkedHashMap<>() : (Map<String, String>) existing;
            nested.put(key.isEmpty() ? Integer.toString(nested.size()) : key, value);
            out.put(base, nested);
        }
        return out;
    }

    private static String decode(String s) throws MalformedException {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new MalformedException("bad percent-encoding");
        }
    }

    /** A field name safe to echo in an error: printable ASCII only, shortened. */
    static String printable(String name) {
        String clean = name.replaceAll("[^\\x20-\\x7e]", "?");
        return "'" + (clean.length() > 40 ? clean.substring(0, 40) + "…" : clean) + "'";
    }
}
