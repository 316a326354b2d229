package net.moodlepushhub.hub.registration;

import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Normalises a Moodle site URL ({@code wwwroot}) so that one site has exactly one spelling: lower-case
 * scheme and host (IDNs in their ASCII form), no default port, no trailing slash, no query or fragment.
 * Refuses anything that is not a plain http(s) URL.
 */
public final class SiteUrls {

    /** The longest URL accepted (the column is 512; the challenge path must still fit in 1024). */
    public static final int MAX_LENGTH = 400;

    private SiteUrls() {
    }

    /**
     * @param raw what the admin typed
     * @return the normalised URL
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 422 invalid-url} with the reason
     */
    public static String normalize(String raw) {
        if (raw == null || raw.isBlank()) {
            throw invalid("The site URL is required.");
        }
        if (raw.length() > MAX_LENGTH) {
            throw invalid("The site URL is longer than " + MAX_LENGTH + " characters.");
        }
        URI uri;
        try {
            uri = new URI(raw.trim());
        } catch (URISyntaxException e) {
            throw invalid("The site URL is not a valid URL.");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw invalid("The site URL must start with http:// or https://.");
        }
        if (uri.getRawUserInfo() != null) {
            throw invalid("The site URL must not contain a user name or password.");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw invalid("The site URL has no host name.");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw invalid("The site URL must not contain a query or a fragment.");
        }
        String host;
        try {
            host = IDN.toASCII(uri.getHost(), IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            if (uri.getHost().startsWith("[")) {
                host = uri.getHost().toLowerCase(Locale.ROOT);
            } else {
                throw invalid("The site URL's host name is not valid.");
            }
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        int port = uri.getPort();
        boolean defaultPort = port == -1 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.contains("/../") || path.endsWith("/..") || path.contains("/./")) {
            throw invalid("The site URL's path must not contain dot segments.");
        }
        return scheme + "://" + host + (defaultPort ? "" : ":" + port) + path;
    }

    private static RuntimeException invalid(String detail) {
        return Problem.of(HubProblem.INVALID_URL, detail).toException();
    }
}
