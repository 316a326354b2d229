package net.moodlepushhub.hub.abuse;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.web.ClientAddress;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.Map;

/**
 * {@code POST /api/v1/abuse-reports}: anyone may report a site. The answer is always the same {@code 202},
 * whether the site exists or not. Thin: the logic is in {@link AbuseReports}.
 */
@ApplicationScoped
@Path("/api/v1/abuse-reports")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "abuse")
public class AbuseReportsResource {

    @Inject
    AbuseReports reports;

    @Inject
    HubSettings settings;

    @Inject
    net.moodlepushhub.hub.keys.FeedAuthorization feedAuthorization;

    @Context
    HttpServletRequest http;

    @POST
    @Operation(summary = "Report a site", description = "Category spam, phishing, excessive-volume or other; always answers 202 received.")
    public Response report(@NotNull @Valid AbuseReportRequest request, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (feedAuthorization.isGateway(authorization)) {
            // The gateway's automatic reports (thresholds crossed) come from one address for every site; the feed
            // token proves the source, so it is recorded as such whatever the body says.
            request.contact = "push-gateway";
            reports.submit(request, "gateway", false);
        } else {
            reports.submit(request, ClientAddress.of(http, settings.trustedProxies()));
        }
        return Response.accepted(Map.of("status", "received")).build();
    }
}
