package net.moodlepushhub.gateway.provider;

import com.nimbusds.jose.util.JSONObjectUtils;

import java.text.ParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Helpers for Moodle's {@code extra} object (see the AirNotifier protocol notes): parsing it without altering any
 * value, and flattening it to the string-only map FCM's {@code data} requires, the way AirNotifier does.
 */
public final class MoodleExtra {

    private MoodleExtra() {
    }

    /**
     * Parses the raw JSON of Moodle's {@code extra}.
     *
     * @param json a JSON object, or null/blank for none
     * @return the top-level members in document order (nested objects as maps, arrays as lists, integers as
     * {@link Long}, decimals as {@link Double})
     * @throws IllegalArgumentException when the text is not a JSON object
     */
    public static Map<String, Object> parse(String json) {
        if (json == null || json.isBlank()) {
            return Collections.emptyMap();
        }
        try {
            Map<String, Object> map = JSONObjectUtils.parse(json);
            return new LinkedHashMap<>(map);
        } catch (ParseException | RuntimeException e) {
            throw new IllegalArgumentException("extra is not a JSON object: " + e.getMessage(), e);
        }
    }

    /**
     * Flattens the top-level members to strings like AirNotifier's FCM connector: booleans become {@code "1"}/{@code
     * "0"}, nested objects and arrays become their JSON text, nulls are omitted, numbers and strings become their
     * text.
     *
     * @param extra parsed extra ({@link #parse})
     * @return string values in the same order
     */
    public static Map<String, String> flattenToStrings(Map<String, Object> extra) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : extra.entrySet()) {
            String v = stringValue(e.getValue());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static String stringValue(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Boolean) {
            return ((Boolean) v) ? "1" : "0";
        }
        if (v instanceof Map) {
            return JSONObjectUtils.toJSONString((Map<String, ?>) v);
        }
        if (v instanceof List) {
            return toJsonArray((List<?>) v);
        }
        if (v instanceof Double) {
            double d = (Double) v;
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
                return Long.toString((long) d) + ".0";
            }
        }
        return v.toString();
    }

    private static String toJsonArray(List<?> list) {
        Map<String, Object> wrapper = new LinkedHashMap<>();
        wrapper.put("a", list);
        String s = JSONObjectUtils.toJSONString(wrapper);
        // {"a":[...]} -> [...]
        return s.substring(5, s.length() - 1);
    }
}
