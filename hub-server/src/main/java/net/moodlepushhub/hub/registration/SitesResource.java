package net.moodlepushhub.hub.registration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.web.BearerToken;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Site registration, as used by a Moodle site admin: register, prove URL ownership, then manage the
 * registration with the management token. Thin: the logic is in {@link RegistrationService}.
 */
@ApplicationScoped
@Path("/api/v1/sites")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "sites")
public class SitesResource {

    @Inject
    RegistrationService registrations;

    @Inject
    net.moodlepushhub.hub.moodle.MoodleHub moodle;

    @Context
    UriInfo uriInfo;

    @POST
    @Operation(summary = "Register a site", description = "Creates a pending registration and returns the challenge the site must serve.")
    @APIResponse(responseCode = "201", description = "The pending registration",
            content = @Content(schema = @Schema(implementation = SiteViews.Pending.class)))
    public Response register(@NotNull @Valid RegistrationRequest request) {
        Site site = registrations.register(request);
        return Response.created(uriInfo.getAbsolutePathBuilder().path(site.getId()).build()).entity(SiteViews.Pending.of(site)).build();
    }

    @POST
    @Path("{siteId}/verification")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Verify a registration", description = "Fetches the challenge from the site; on success returns the keys and the management token, once.")
    public SiteViews.CredentialsView verify(@PathParam("siteId") String siteId) {
        return SiteViews.CredentialsView.of(registrations.verify(siteId));
    }

    @GET
    @Path("{siteId}")
    @Operation(summary = "Read a site", description = "Status, counts and every verification attempt. Needs the management token.")
    public SiteViews.Details get(@PathParam("siteId") String siteId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        RegistrationService.SiteDetails details = registrations.details(siteId, bearer(authorization));
        return SiteViews.Details.of(details, moodle.describe(siteId));
    }

    @PATCH
    @Path("{siteId}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @Operation(summary = "Update a site", description = "Name, contact, users and activeUsers; the quota is checked again.")
    public SiteViews.SiteView update(@PathParam("siteId") String siteId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                     @NotNull @Valid SiteUpdateRequest request) {
        return SiteViews.SiteView.of(registrations.update(siteId, bearer(authorization), request));
    }

    @DELETE
    @Path("{siteId}")
    @Operation(summary = "Unregister a site", description = "Releases the URL and revokes every key.")
    public Response unregister(@PathParam("siteId") String siteId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        registrations.unregister(siteId, bearer(authorization));
        return Response.noContent().build();
    }

    @POST
    @Path("{siteId}/keys")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Rotate keys", description = "Revokes the site's keys and issues new ones.")
    public SiteViews.CredentialsView rotate(@PathParam("siteId") String siteId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return SiteViews.CredentialsView.of(registrations.rotateKeys(siteId, bearer(authorization)));
    }

    /** The management token of an {@code Authorization: Bearer} header; null when absent, another scheme or too long. */
    public static String bearer(String authorization) {
        return BearerToken.of(authorization, 512);
    }
}
