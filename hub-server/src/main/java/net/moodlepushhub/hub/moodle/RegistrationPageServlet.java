package net.moodlepushhub.hub.moodle;

import jakarta.inject.Inject;
import jakarta.persistence.PersistenceException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.registration.Secrets;
import net.moodlepushhub.hub.verification.ChallengeVerifier;
import net.moodlepushhub.hub.web.ClientAddress;
import net.moodlepushhub.hub.web.RateLimiter;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code /local/hub/siteregistration.php}, where Moodle's registration form sends the admin's browser (a 303
 * from Moodle). {@code GET} creates or resumes the pending registration and shows how to prove control of the
 * site: a meta tag for Moodle's <em>Additional HTML</em> or a file; the form {@code id="verify"} posts back to
 * the same URL (with a double-submit CSRF cookie), runs the proof and, on success, sends the browser to the
 * site's {@code confirmregistration.php} with the new web-service token. Failures show the page again with
 * the failed check. Rate-limited per client address.
 */
@WebServlet(urlPatterns = "/local/hub/siteregistration.php")
public class RegistrationPageServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(RegistrationPageServlet.class.getName());

    /** The longest query string accepted; Moodle stops adding site information at 2000 characters. */
    static final int MAX_QUERY = 6000;

    static final String CSRF_COOKIE = "mph_csrf";

    @Inject
    transient MoodleHub hub;

    @Inject
    transient HubSettings settings;

    @Inject
    transient net.moodlepushhub.hub.metrics.HubMetrics metrics;

    private transient RateLimiter limiter;

    @Override
    public void init() {
        limiter = new RateLimiter(settings.moodlePageRequestsPerMinute(), Duration.ofMinutes(1));
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!admit(request, response)) {
            return;
        }
        try {
            Map<String, Object> params = query(request);
            MoodleHub.Pending pending = hub.start(params);
            showChallenge(request, response, 200, pending, null);
        } catch (ProblemException e) {
            showProblem(request, response, e.problem());
        } catch (PersistenceException e) {
            unavailable(request, response, e);
        }
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!admit(request, response)) {
            return;
        }
        try {
            Map<String, Object> params = query(request);
            if (!csrfMatches(request)) {
                showProblem(request, response, Problem.of(HubProblem.FORM_EXPIRED, "This form expired or was not sent from this page. "
                        + "Reload the page and press Verify again."));
                return;
            }
            String confirmation;
            try {
                confirmation = hub.confirm(params);
            } catch (ProblemException e) {
                if (e.problem().status() == 404 || e.problem().status() == 400) {
                    throw e;
                }
                // The proof failed: the page again, naming the failed check, with the (same or renewed) challenge.
                showChallenge(request, response, e.problem().status(), hub.start(params), e.problem());
                return;
            }
            Html.securityHeaders(response, null);
            response.setStatus(303);
            response.setHeader("Location", confirmation);
        } catch (ProblemException e) {
            showProblem(request, response, e.problem());
        } catch (PersistenceException e) {
            unavailable(request, response, e);
        }
    }

    private boolean admit(HttpServletRequest request, HttpServletResponse response) throws IOException {
        OptionalLong wait = limiter.tryAcquire(ClientAddress.of(request, settings.trustedProxies()));
        if (wait.isPresent()) {
            metrics.rateLimited(net.moodlepushhub.hub.metrics.HubMetrics.LIMIT_MOODLE_PAGE);
            response.setHeader("Retry-After", Long.toString(wait.getAsLong()));
            showProblem(request, response, Problem.of(CommonProblem.RATE_LIMITED, "Too many requests from your address; try again in "
                    + wait.getAsLong() + " seconds."));
            return false;
        }
        return true;
    }

    private static Map<String, Object> query(HttpServletRequest request) {
        String q = request.getQueryString();
        if (q != null && q.length() > MAX_QUERY) {
            throw Problem.of(HubProblem.QUERY_TOO_LONG, "The registration request is longer than " + MAX_QUERY + " characters.").toException();
        }
        try {
            return PhpForm.parse(q, MoodleHub.MAX_FIELD);
        } catch (PhpForm.MalformedException e) {
            throw Problem.of(CommonProblem.MALFORMED_REQUEST, "The registration request is malformed: " + e.getMessage() + ".").toException();
        }
    }

    private void showChallenge(HttpServletRequest request, HttpServletResponse response, int status, MoodleHub.Pending pending,
                               Problem problem) throws IOException {
        String csrf = csrfCookie(request);
        if (csrf == null) {
            csrf = Secrets.random(24);
        }
        Cookie cookie = new Cookie(CSRF_COOKIE, csrf);
        cookie.setPath(request.getContextPath() + "/local/hub/");
        cookie.setHttpOnly(true);
        cookie.setSecure(settings.issuer().startsWith("https:"));
        cookie.setAttribute("SameSite", "Strict");
        response.addCookie(cookie);
        String content = pending.challenge().content();
        String challengeUrl = pending.challenge().urlFor(pending.siteUrl());
        StringBuilder b = new StringBuilder();
        b.append("<h1>Register your Moodle site with ").append(Html.esc(settings.hubName())).append("</h1>\n");
        b.append("<p>Site: <strong id=\"site-url\">").append(Html.esc(pending.siteUrl())).append("</strong></p>\n");
        if (problem != null) {
            b.append("<div id=\"problem\" class=\"error\" role=\"alert\"><p><strong>The proof failed").append(problem.slug() == null ? "" : " (" + Html.esc(problem.slug()) + ")")
                    .append(".</strong> ").append(Html.esc(problem.detail())).append("</p>");
            Object meta = problem.extensions().get("metaTag");
            if (meta instanceof Map<?, ?> m) {
                b.append("<p>Meta tag on ").append(Html.esc(String.valueOf(m.get("url")))).append(": ").append(Html.esc(String.valueOf(m.get("detail"))))
                        .append(" (").append(Html.esc(String.valueOf(m.get("check")))).append(").</p>");
            }
            b.append("</div>\n");
        }
        b.append("<p>Prove that you administer this site in one of two ways, then press <em>Verify</em>.</p>\n");
        b.append("<h2>1. Add a meta tag (no access to the server needed)</h2>\n");
        b.append("<p>In Moodle go to <em>Site administration › Appearance › Additional HTML</em>, add this line to "
                + "<em>Within HEAD</em> and save:</p>\n");
        b.append("<pre id=\"meta-tag\">").append(Html.esc(ChallengeVerifier.metaTag(content))).append("</pre>\n");
        b.append("<h2>2. Or serve a file</h2>\n<p>Serve exactly this content</p>\n<pre id=\"challenge-content\">")
                .append(Html.esc(content)).append("</pre>\n<p>at</p>\n<pre id=\"challenge-url\">").append(Html.esc(challengeUrl)).append("</pre>\n");
        b.append("<form id=\"verify\" method=\"post\" action=\"\"><input type=\"hidden\" name=\"csrf\" value=\"").append(Html.esc(csrf))
                .append("\"><button type=\"submit\">Verify</button></form>\n");
        b.append("<p>This proof can be completed until ").append(Html.esc(pending.challenge().expiresAt().toString()))
                .append(". When it succeeds you are sent back to your site, which confirms the registration; you may then remove the tag.</p>\n");
        Html.send(response, status, Html.page(request.getContextPath(), "Register " + pending.siteUrl(), b.toString()), origin(pending.siteUrl()));
    }

    private void showProblem(HttpServletRequest request, HttpServletResponse response, Problem problem) throws IOException {
        String body = "<h1>Registration with " + Html.esc(settings.hubName()) + "</h1>\n<div id=\"problem\" class=\"error\" role=\"alert\"><p><strong>"
                + Html.esc(problem.title()) + " (" + Html.esc(problem.slug()) + ").</strong> " + Html.esc(problem.detail()) + "</p></div>\n"
                + "<p><a href=\"" + Html.esc(request.getContextPath()) + "/\">About this hub</a></p>";
        problem.headers().forEach(response::setHeader);
        Html.send(response, problem.status(), Html.page(request.getContextPath(), "Registration refused", body), null);
    }

    private void unavailable(HttpServletRequest request, HttpServletResponse response, PersistenceException e) throws IOException {
        LOG.log(Level.WARNING, "Registration page: database unavailable", e);
        response.setHeader("Retry-After", "30");
        showProblem(request, response, Problem.of(CommonProblem.DATABASE_UNAVAILABLE, "The hub cannot reach its database; try again in a minute."));
    }

    private static String origin(String siteUrl) {
        URI u = URI.create(siteUrl);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private static String csrfCookie(HttpServletRequest request) {
        if (request.getCookies() == null) {
            return null;
        }
        for (Cookie c : request.getCookies()) {
            if (CSRF_COOKIE.equals(c.getName()) && c.getValue() != null && c.getValue().matches("[A-Za-z0-9_-]{32}")) {
                return c.getValue();
            }
        }
        return null;
    }

    private static boolean csrfMatches(HttpServletRequest request) throws IOException {
        String cookie = csrfCookie(request);
        if (cookie == null) {
            return false;
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(4096);
        }
        try {
            Object field = PhpForm.parse(new String(body, StandardCharsets.UTF_8), 256).get("csrf");
            return field instanceof String s && MessageDigest.isEqual(s.getBytes(StandardCharsets.US_ASCII), cookie.getBytes(StandardCharsets.US_ASCII));
        } catch (PhpForm.MalformedException e) {
            return false;
        }
    }
}
