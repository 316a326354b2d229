package net.moodlepushhub.hub.mail;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The template values of an outbox message, stored as {@link Properties} text (which escapes line breaks and
 * every other character that could confuse the format). The reserved value {@code items} holds one line per
 * folded event.
 */
final class MailVars {

    /** The folded events' lines, newline-separated. */
    static final String ITEMS = "items";

    /** Longest stored text, within the column's 8,000 characters with room for escaping. */
    private static final int MAX_VALUE = 1000;

    private MailVars() {
    }

    /**
     * @param previous the values so far (empty for a new message)
     * @param latest   the new event's values, which win
     * @param item     the new event's line, or null
     * @param maxItems the most lines kept (the oldest are kept: they are what the admin has not heard of yet)
     * @return the merged values
     */
    static Map<String, String> fold(Map<String, String> previous, Map<String, String> latest, String item, int maxItems) {
        Map<String, String> merged = new TreeMap<>(previous);
        latest.forEach((k, v) -> {
            if (v != null && !ITEMS.equals(k)) {
                merged.put(k, v.length() > MAX_VALUE ? v.substring(0, MAX_VALUE) : v);
            }
        });
        if (item != null) {
            List<String> items = new ArrayList<>(lines(previous.get(ITEMS)));
            if (items.size() < maxItems) {
                items.add(oneLine(item));
            }
            merged.put(ITEMS, String.join("\n", items));
        }
        return merged;
    }

    /**
     * @param itemsValue the {@code items} value, or null
     * @return its lines
     */
    static List<String> lines(String itemsValue) {
        return itemsValue == null || itemsValue.isEmpty() ? List.of() : Arrays.asList(itemsValue.split("\n"));
    }

    static String encode(Map<String, String> vars) {
        Properties p = new Properties();
        p.putAll(vars);
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Drop the date comment line that store() writes first: it only wastes the column.
        String text = w.toString();
        return text.startsWith("#") ? text.substring(text.indexOf('\n') + 1) : text;
    }

    static Map<String, String> decode(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> vars = new TreeMap<>();
        p.forEach((k, v) -> vars.put((String) k, (String) v));
        return vars;
    }

    /**
     * @param s any text
     * @return the text on one line: every control character (CR, LF, TAB, ...) becomes a space
     */
    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) || c == 0x2028 || c == 0x2029 ? ' ' : c));
        String line = b.toString().strip();
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
