package net.moodlepushhub.hub.registration;

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
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Site registration, as used by a Moodle site admin: register, prove URL ownership, then manage the
 * registration with the management token. Thin: the logic is in {@link RegistrationService}.
 */
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
    public Response register(@NotNull @Valid RegistrationRequest request) {
        Site site = registrations.register(request);
        Challenge challenge = site.challenge();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("siteId", site.getId());
        body.put("status", site.getStatus().wire());
        body.put("url", site.getUrl());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("token", challenge.token());
        c.put("url", challenge.urlFor(site.getUrl()));
        c.put("content", challenge.content());
        c.put("expiresAt", challenge.expiresAt().toString());
        // The other way to prove ownership, for admins without access to the web server's files (MoodleCloud):
        // this tag in the front page's <head> (Moodle: Additional HTML, Within HEAD).
        c.put("metaTag", net.moodlepushhub.hub.verification.ChallengeVerifier.metaTag(challenge.content()));
        body.put("challenge", c);
        return Response.created(uriInfo.getAbsolutePathBuilder().path(site.getId()).build()).entity(body).build();
    }

    @POST
    @Path("{siteId}/verification")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Verify a registration", description = "Fetches the challenge from the site; on success returns the keys and the management token, once.")
    public Map<String, Object> verify(@PathParam("siteId") String siteId) {
        RegistrationService.Credentials credentials = registrations.verify(siteId);
        return credentialsBody(credentials);
    }

    @GET
    @Path("{siteId}")
    @Operation(summary = "Read a site", description = "Status, counts and every verification attempt. Needs the management token.")
    public Map<String, Object> get(@PathParam("siteId") String siteId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        RegistrationService.SiteDetails details = registrations.details(siteId, bearer(authorization));
        Map<String, Object> body = siteBody(details.site());
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("live", details.liveKeys());
        keys.put("revoked", details.revokedKeys());
        body.put("keys", keys);
        List<Map<String, Object>> attempts = details.attempts().stream().map(a -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("attemptedAt", a.getAttemptedAt().toString());
            m.put("url", a.getChallengeUrl());
            m.put("resolvedAddress", a.getResolvedAddress());
            m.put("outcome", a.getOutcome());
            m.put("detail", a.getDetail());
            return m;
        }).toList();
        body.put("verificationAttempts", attempts);
        // The quota that applies to this site: the hub default for users unless an admin overrode it; null
        // delivery limits mean the gateway's defaults.
        Map<String, Object> quota = new LinkedHashMap<>();
        quota.put("maxUsers", details.maxUsers());
        quota.put("maxDevices", details.quota().maxDevices());
        quota.put("notificationsPerMinute", details.quota().notificationsPerMinute());
        quota.put("notificationsPerDay", details.quota().notificationsPerDay());
        quota.put("broadcastsPerDay", details.quota().broadcastsPerDay());
        body.put("quota", quota);
        // How much of each delivery limit is left, as the gateways last reported; nearLimit below 20 %.
        body.put("usage", details.usage());
        // Sites registered from Moodle's own pages: what Moodle last reported, and whether the site is over its
        // user quota (and from when the gateway refuses its sends).
        Map<String, Object> reported = moodle.describe(siteId);
        if (reported != null) {
            body.put("moodle", reported);
        }
        return body;
    }

    @PATCH
    @Path("{siteId}")
    @Consumes({MediaType.APPLICATION_JSON, "application/merge-patch+json"})
    @Operation(summary = "Update a site", description = "Name, contact, users and activeUsers; the quota is checked again.")
    public Map<String, Object> update(@PathParam("siteId") String siteId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                      @NotNull @Valid SiteUpdateRequest request) {
        return siteBody(registrations.update(siteId, bearer(authorization), request));
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
    public Map<String, Object> rotate(@PathParam("siteId") String siteId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return credentialsBody(registrations.rotateKeys(siteId, bearer(authorization)));
    }

    private static Map<String, Object> credentialsBody(RegistrationService.Credentials credentials) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("siteId", credentials.site().getId());
        body.put("status", credentials.site().getStatus().wire());
        body.put("siteKey", credentials.keys().siteKey());
        body.put("deviceKey", credentials.keys().deviceKey());
        body.put("moodleAccessKey", credentials.keys().moodleAccessKey());
        if (credentials.managementToken() != null) {
            body.put("managementToken", credentials.managementToken());
        }
        return body;
    }

    private static Map<String, Object> siteBody(Site site) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("siteId", site.getId());
        body.put("url", site.getUrl());
        body.put("name", site.getName());
        body.put("contactEmail", site.getContactEmail());
        body.put("status", site.getStatus().wire());
        body.put("users", site.getUsers());
        body.put("activeUsers", site.getActiveUsers());
        body.put("createdAt", site.getCreatedAt().toString());
        body.put("verifiedAt", site.getVerifiedAt() == null ? null : site.getVerifiedAt().toString());
        if (site.getStatusReason() != null) {
            body.put("statusReason", site.getStatusReason());
        }
        if (site.getSuspendedUntil() != null) {
            body.put("suspendedUntil", site.getSuspendedUntil().toString());
        }
        return body;
    }

    /** The management token of an {@code Authorization: Bearer} header; null when absent, another scheme or too long. */
    public static String bearer(String authorization) {
        return BearerToken.of(authorization, 512);
    }
}
