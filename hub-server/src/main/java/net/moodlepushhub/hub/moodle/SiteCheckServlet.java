package net.moodlepushhub.hub.moodle;

import jakarta.inject.Inject;
import jakarta.persistence.PersistenceException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.registration.RegistrationService;
import net.moodlepushhub.hub.web.ClientAddress;
import net.moodlepushhub.hub.web.RateLimiter;

import java.io.IOException;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * {@code /local/sitecheck/check.php?siteid=…&url=…}: the check a stock AirNotifier server makes before it
 * gives a Moodle site an access key ({@code int(response.text)}): {@code 1} when an active site is registered
 * at {@code url} with that Moodle site id, else {@code 0}. Anything unusable is simply {@code 0}.
 * Rate-limited per client address, since each answer tells whether a guess was right.
 */
@WebServlet(urlPatterns = "/local/sitecheck/check.php")
public class SiteCheckServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Inject
    transient RegistrationService registrations;

    @Inject
    transient HubSettings settings;

    @Inject
    transient net.moodlepushhub.hub.metrics.HubMetrics metrics;

    private transient RateLimiter limiter;

    @Override
    public void init() {
        limiter = new RateLimiter(settings.sitecheckRequestsPerMinute(), Duration.ofMinutes(1));
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        OptionalLong wait = limiter.tryAcquire(ClientAddress.of(request, settings.trustedProxies()));
        if (wait.isPresent()) {
            metrics.rateLimited(net.moodlepushhub.hub.metrics.HubMetrics.LIMIT_SITECHECK);
            response.setStatus(429);
            response.setHeader("Retry-After", Long.toString(wait.getAsLong()));
            response.getWriter().write("0");
            return;
        }
        String siteId = request.getParameter("siteid");
        String url = request.getParameter("url");
        boolean registered;
        try {
            registered = siteId != null && url != null && siteId.length() <= 64 && url.length() <= 1000
                    && registrations.isMoodleSiteRegistered(url, siteId.strip());
        } catch (net.moodlepushhub.common.problem.ProblemException e) {
            registered = false;
        } catch (PersistenceException e) {
            response.setStatus(503);
            response.setHeader("Retry-After", "30");
            response.getWriter().write("0");
            return;
        }
        response.getWriter().write(registered ? "1" : "0");
    }
}
