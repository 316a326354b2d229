package net.moodlepushhub.gateway.web;

import jakarta.ws.rs.core.MediaType;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.GatewayProblem;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the text fields of Moodle's form posts from the request body: {@code multipart/form-data} (PHP cURL
 * posting an array) or {@code application/x-www-form-urlencoded}.
 *
 * <p>Why not {@code HttpServletRequest#getParameter}: on Payara (Grizzly) it returns nothing for a multipart
 * body that arrived over HTTP/2 (an h2c upgrade, as Java's HttpClient and HTTP/2 proxies do), and it reads the
 * body past the JAX-RS size limit filter. Parsing the entity here works on any protocol and stays within the
 * limit. Only the small text fields Moodle sends are expected; file parts are ignored.</p>
 */
final class FormFields {

    private FormFields() {
    }

    /**
     * @param mediaType the request's content type, may be null
     * @param body      the request body, may be null
     * @return field name to value (the first value of a repeated field)
     */
    static Map<String, String> parse(MediaType mediaType, byte[] body) {
        Map<String, String> fields = new HashMap<>();
        if (body == null || body.length == 0 || mediaType == null) {
            return fields;
        }
        if (mediaType.isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE)) {
            String boundary = mediaType.getParameters().get("boundary");
            if (boundary == null || boundary.isEmpty()) {
                throw Problem.of(GatewayProblem.MALFORMED_FORM, "A multipart body needs a boundary.").toException();
            }
            multipart(body, boundary, fields);
        } else if (mediaType.isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE)) {
            for (String pair : new String(body, StandardCharsets.US_ASCII).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    fields.putIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return fields;
    }

    private static void multipart(byte[] body, String boundary, Map<String, String> fields) {
        // ISO-8859-1 maps bytes 1:1 to chars, so offsets found in the string are byte offsets.
        String raw = new String(body, StandardCharsets.ISO_8859_1);
        String delimiter = "--" + boundary;
        int at = raw.indexOf(delimiter);
        while (at >= 0) {
            int partStart = at + delimiter.length();
            if (raw.startsWith("--", partStart)) {
                return; // the closing delimiter
            }
            int next = raw.indexOf("\r\n" + delimiter, partStart);
            if (next < 0) {
                throw Problem.of(GatewayProblem.MALFORMED_FORM, "The multipart body is not terminated.").toException();
            }
            String part = raw.substring(skipLineBreak(raw, partStart), next);
            int headersEnd = part.indexOf("\r\n\r\n");
            if (headersEnd >= 0) {
                String name = null;
                boolean file = false;
                for (String header : part.substring(0, headersEnd).split("\r\n")) {
                    if (header.regionMatches(true, 0, "Content-Disposition:", 0, 20)) {
                        name = attribute(header, "name");
                        file = attribute(header, "filename") != null;
                    }
                }
                if (name != null && !file) {
                    String value = new String(part.substring(headersEnd + 4).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
                    fields.putIfAbsent(name, value);
                }
            }
            at = next + 2;
        }
    }

    private static int skipLineBreak(String s, int i) {
        return s.startsWith("\r\n", i) ? i + 2 : i;
    }

    private static String attribute(String header, String name) {
        for (String piece : header.split(";")) {
            String p = piece.trim();
            if (p.regionMatches(true, 0, name + "=", 0, name.length() + 1)) {
                String v = p.substring(name.length() + 1).trim();
                return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
            }
        }
        return null;
    }
}
