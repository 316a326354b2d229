package net.moodlepushhub.hub.moodle;

import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.persistence.PersistenceException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import net.moodlepushhub.common.problem.ProblemException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code /local/hub/webservice/webservices.php}: Moodle's REST web-service endpoint on a hub. Moodle POSTs
 * {@code http_build_query()} forms ({@code wstoken}, {@code wsfunction}, {@code moodlewsrestformat=json} and the
 * function's parameters) and reads JSON. Every answer is HTTP 200 with JSON, errors included
 * ({@link MoodleException}); only a database outage is a 503, which Moodle reports as a connection error and
 * retries later. A servlet rather than JAX-RS so that nothing answers these paths in the project's own problem
 * format (the JSON API's body limit included).
 */
@WebServlet(urlPatterns = "/local/hub/webservice/webservices.php")
public class WebServicesServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(WebServicesServlet.class.getName());

    /** The largest request read: a 4.5+ update with its plugin list is some tens of KiB. */
    static final int MAX_BODY = 1024 * 1024;

    /** The token Moodle sends while it is not registered; valid for {@code hub_get_info} only. */
    static final String PUBLIC_TOKEN = "publichub";

    @Inject
    transient MoodleHub hub;

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String body;
        if (request.getContentLengthLong() > MAX_BODY) {
            answer(response, error(MoodleException.invalidParameter("the request is larger than " + MAX_BODY + " bytes")));
            return;
        }
        try (InputStream in = request.getInputStream()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                answer(response, error(MoodleException.invalidParameter("the request is larger than " + MAX_BODY + " bytes")));
                return;
            }
            body = new String(bytes, StandardCharsets.UTF_8);
        }
        // Moodle puts nothing in the query string, but a hand-made request might: both count, the body wins.
        handle(request.getQueryString() == null ? body : request.getQueryString() + "&" + body, response);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // Moodle before 3.x called with GET; harmless to serve the same way.
        handle(request.getQueryString(), response);
    }

    private void handle(String form, HttpServletResponse response) throws IOException {
        String json;
        try {
            json = call(PhpForm.parse(form, MoodleHub.MAX_FIELD));
        } catch (PhpForm.MalformedException e) {
            json = error(MoodleException.invalidParameter(e.getMessage()));
        } catch (MoodleException e) {
            json = error(e);
        } catch (ProblemException e) {
            if (e.problem().status() == 503) {
                unavailable(response);
                return;
            }
            json = error(new MoodleException(e.problem().slug(), e.problem().detail()));
        } catch (PersistenceException e) {
            LOG.log(Level.WARNING, "Moodle web service: database unavailable", e);
            unavailable(response);
            return;
        }
        answer(response, json);
    }

    private String call(Map<String, Object> form) {
        String function = form.get("wsfunction") instanceof String s ? s : "";
        String token = form.get("wstoken") instanceof String s ? s : null;
        return switch (function) {
            case "hub_get_info" -> Json.createObjectBuilder(hub.info()).build().toString();
            case "hub_update_site_info" -> Boolean.toString(hub.updateSiteInfo(token, form));
            case "hub_site_is_registered" -> Boolean.toString(hub.isRegistered(token, form));
            case "hub_unregister_site" -> Boolean.toString(hub.unregister(token));
            case "" -> throw MoodleException.invalidParameter("wsfunction is required");
            default -> throw new MoodleException("invalidrecord", "Can't find data record in database table external_functions "
                    + "(this hub has no web-service function " + PhpForm.printable(function) + ").");
        };
    }

    static String error(MoodleException e) {
        return Json.createObjectBuilder().add("exception", "moodle_exception").add("errorcode", e.errorcode())
                .add("message", e.getMessage()).build().toString();
    }

    private static void answer(HttpServletResponse response, String json) throws IOException {
        response.setStatus(200);
        response.setContentType("application/json; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private static void unavailable(HttpServletResponse response) throws IOException {
        response.setStatus(503);
        response.setHeader("Retry-After", "30");
        response.setContentType("application/json; charset=utf-8");
        response.getOutputStream().write(error(new MoodleException("hubunavailable", "The hub cannot reach its database; try again later."))
                .getBytes(StandardCharsets.UTF_8));
    }
}
