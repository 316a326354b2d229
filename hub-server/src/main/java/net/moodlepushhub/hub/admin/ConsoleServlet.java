package net.moodlepushhub.hub.admin;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Serves the admin web console (static files in the war under {@code /admin/}) with a strict
 * Content-Security-Policy.
 *
 * <p>A servlet of our own because the JAX-RS application is mapped to {@code /*} and would answer these
 * paths with 404 problems; serving a fixed list of files also means nothing else in the war is exposed.
 * The console keeps its session token in {@code sessionStorage} and sends it as a bearer header, never as a
 * cookie, so cross-site request forgery does not apply; the CSP (scripts only from this origin, no inline
 * script, no framing) is the defence against script injection.</p>
 */
@WebServlet(urlPatterns = {"/admin", "/admin/*"})
public class ConsoleServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    /** The Content-Security-Policy of every console response. */
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static final Map<String, String> FILES = Map.of(
            "/index.html", "text/html; charset=utf-8",
            "/console.js", "text/javascript; charset=utf-8",
            "/console.css", "text/css; charset=utf-8",
            // Chart.js, vendored from npm by hub-server/tools/vendor-chartjs.sh (pinned version, MIT licence beside it).
            "/vendor/chart.umd.min.js", "text/javascript; charset=utf-8",
            "/vendor/chart.js-LICENSE.md", "text/plain; charset=utf-8");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo();
        if (path == null) {
            // "/admin" -> "/admin/" so the page's relative links resolve under /admin/.
            response.sendRedirect(request.getContextPath() + "/admin/");
            return;
        }
        if (path.equals("/")) {
            path = "/index.html";
        }
        String type = FILES.get(path);
        if (type == null) {
            response.setStatus(404);
            response.setContentType("application/problem+json");
            response.getWriter().write("{\"type\":\"https://moodle-push-hub.org/problems/not-found\",\"title\":\"Not found\","
                    + "\"status\":404,\"detail\":\"There is no such resource.\",\"code\":\"not-found\"}");
            return;
        }
        response.setHeader("Content-Security-Policy", CSP);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-cache");
        response.setContentType(type);
        try (InputStream in = getServletContext().getResourceAsStream("/admin" + path)) {
            if (in == null) {
                response.sendError(404);
                return;
            }
            in.transferTo(response.getOutputStream());
        }
    }
}
