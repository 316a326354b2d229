package net.moodlepushhub.hub.moodle;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.hub.HubSettings;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The hub's front page, for people: what this hub is and how a Moodle admin registers a site. */
@ApplicationScoped
@Path("/")
@Tag(name = "about")
public class HomeResource {

    @Inject
    HubSettings settings;

    @jakarta.ws.rs.core.Context
    jakarta.servlet.http.HttpServletRequest context;

    @GET
    @Produces("text/html; charset=utf-8")
    @Operation(summary = "About this hub (HTML)")
    public Response home() {
        String hub = Html.esc(settings.issuer());
        String body = "<h1>" + Html.esc(settings.hubName()) + "</h1>\n"
                + "<p>A registration hub for Moodle push notifications. A Moodle site registered here proves that its admin "
                + "controls its URL and gets keys for the push gateway that sends its notifications to the Moodle app.</p>\n"
                + "<h2>Register an unmodified Moodle site (4.1 or later)</h2>\n"
                + "<ol><li>Add this line to the site's <code>config.php</code>, before <code>require_once(__DIR__ . '/lib/setup.php');</code>:"
                + "<pre id=\"config-line\">define('HUB_MOODLEORGHUBURL', '" + hub + "');</pre></li>\n"
                + "<li>In Moodle open <em>Site administration › Registration</em> and press <em>Register</em>.</li>\n"
                + "<li>This hub shows a meta tag to add in <em>Site administration › Appearance › Additional HTML › Within HEAD</em> "
                + "(or a file to serve); press <em>Verify</em> and Moodle confirms the registration.</li>\n"
                + "<li>In <em>Site administration › Plugins › Message outputs › Mobile</em>, press <em>Request access key</em>.</li></ol>\n"
                + "<h2>Or use the JSON API</h2>\n<p>Register with <code>POST /api/v1/sites</code> and verify with "
                + "<code>POST /api/v1/sites/{id}/verification</code>; see the <a href=\"openapi\">OpenAPI description</a>.</p>\n"
                + "<h2>For gateways and operators</h2>\n<ul><li><a href=\".well-known/jwks.json\">Key set (JWKS)</a> the gateways verify keys with</li>"
                + "<li><a href=\"admin/\">Admin console</a></li></ul>\n";
        Response.ResponseBuilder r = Response.ok(Html.page(context.getContextPath(), settings.hubName(), body));
        r.header("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'");
        r.header("X-Content-Type-Options", "nosniff");
        r.header("X-Frame-Options", "DENY");
        r.header("Referrer-Policy", "no-referrer");
        return r.build();
    }
}
