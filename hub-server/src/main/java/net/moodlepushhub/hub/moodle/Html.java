package net.moodlepushhub.hub.moodle;

import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The hub's few server-rendered pages: escaping, the shared frame and the console's security headers. */
final class Html {

    private Html() {
    }

    /**
     * @param s text
     * @return it escaped for HTML text and attribute values
     */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * @param context the application's context path ("" at the root)
     * @param title   the page title (plain text)
     * @param body    the main content (HTML)
     * @return a whole page, styled by the console's stylesheet (no inline style or script: the CSP forbids them)
     */
    static String page(String context, String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<link rel=\"stylesheet\" href=\"" + esc(context) + "/admin/console.css\"></head>\n<body><main>\n" + body + "\n</main></body></html>\n";
    }

    /**
     * Sends a page with the console's security headers: scripts nowhere, styles and images from this origin,
     * no framing, forms only to this origin and {@code formTarget} (the origin a successful form submission
     * redirects to: the CSP's {@code form-action} also applies to redirects).
     *
     * @param response   the response
     * @param status     the status
     * @param html       the page
     * @param formTarget an extra origin forms may be sent to (redirected to), or null
     * @throws IOException when the client went away
     */
    static void send(HttpServletResponse response, int status, String html, String formTarget) throws IOException {
        securityHeaders(response, formTarget);
        response.setStatus(status);
        response.setContentType("text/html; charset=utf-8");
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    static void securityHeaders(HttpServletResponse response, String formTarget) {
        response.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'"
                + (formTarget == null ? "" : " " + formTarget) + "; frame-ancestors 'none'; base-uri 'none'");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-store");
    }
}
