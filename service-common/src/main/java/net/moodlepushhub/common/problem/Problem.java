package net.moodlepushhub.common.problem;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An RFC 9457 problem document: what every API error of this project looks like on the wire.
 *
 * <p>The {@code type} is a stable URI built from a short slug (for example {@code quota-exceeded}); clients
 * match on it, never on the human {@code detail}. The slug is repeated in the {@code code} extension member
 * for clients that prefer not to parse URIs. Problems never carry secrets or anything fetched from a remote
 * site.</p>
 *
 * <p>Build one from a catalogued code with {@link #of(ProblemCode, String)} (the service's enum or {@link CommonProblem}),
 * and add extension members with {@link #with(String, Object)}.</p>
 */
public final class Problem {

    /** The prefix of every problem type URI; the slug follows it. */
    public static final String TYPE_PREFIX = "https://moodle-push-hub.org/problems/";

    private final int status;
    private final String slug;
    private final String title;
    private final String detail;
    private final Map<String, Object> extensions;
    private final Map<String, String> headers;

    private Problem(int status, String slug, String title, String detail, Map<String, Object> extensions, Map<String, String> headers) {
        this.status = status;
        this.slug = Objects.requireNonNull(slug, "slug");
        this.title = Objects.requireNonNull(title, "title");
        this.detail = detail;
        this.extensions = extensions;
        this.headers = headers;
    }

    /**
     * Creates a problem whose title is derived from the slug.
     *
     * @param status the HTTP status code
     * @param slug   the stable problem type slug, lower-case with dashes
     * @param detail a human explanation specific to this occurrence
     * @return the problem
     */
    public static Problem of(int status, String slug, String detail) {
        return new Problem(status, slug, titleOf(slug), detail, new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    /**
     * Creates a problem of a catalogued code; the status comes from the code.
     *
     * @param code   the code, from the service's catalogue or {@link CommonProblem}
     * @param detail a human explanation specific to this occurrence
     * @return the problem
     */
    public static Problem of(ProblemCode code, String detail) {
        return of(code.status(), code.slug(), detail);
    }

    /**
     * Returns a copy with one more extension member.
     *
     * @param name  the member name
     * @param value a JSON-B serialisable value
     * @return the new problem
     */
    public Problem with(String name, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(extensions);
        copy.put(name, value);
        return new Problem(status, slug, title, detail, copy, headers);
    }

    /**
     * Returns a copy that will be sent with one more HTTP response header (for example {@code Retry-After}).
     *
     * @param name  the header name
     * @param value the header value
     * @return the new problem
     */
    public Problem withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new Problem(status, slug, title, detail, extensions, copy);
    }

    /** @return a throwable carrying this problem, for service code that must abort a request */
    public ProblemException toException() {
        return new ProblemException(this);
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }

    /** @return the stable slug */
    public String slug() {
        return slug;
    }

    /** @return the type URI */
    public String type() {
        return TYPE_PREFIX + slug;
    }

    /** @return the short human summary of the type */
    public String title() {
        return title;
    }

    /** @return the human explanation of this occurrence */
    public String detail() {
        return detail;
    }

    /** @return the extension members */
    public Map<String, Object> extensions() {
        return Collections.unmodifiableMap(extensions);
    }

    /** @return extra HTTP headers to send */
    public Map<String, String> headers() {
        return Collections.unmodifiableMap(headers);
    }

    /** @return the problem document as an ordered map, ready for JSON serialisation */
    public Map<String, Object> toMap() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", type());
        body.put("title", title);
        body.put("status", status);
        if (detail != null) {
            body.put("detail", detail);
        }
        body.put("code", slug);
        extensions.forEach(body::putIfAbsent);
        return body;
    }

    private static String titleOf(String slug) {
        String words = slug.replace('-', ' ');
        return Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    @Override
    public String toString() {
        return status + " " + slug + (detail == null ? "" : ": " + detail);
    }
}
