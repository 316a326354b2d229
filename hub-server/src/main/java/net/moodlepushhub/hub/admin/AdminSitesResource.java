package net.moodlepushhub.hub.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.hub.quota.SiteQuota;
import net.moodlepushhub.hub.registration.SiteStatus;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The admin API for sites and keys. Reads are open to every operator; changes need the admin role. Thin:
 * the logic is in {@link SiteAdministration}.
 */
@ApplicationScoped
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
public class AdminSitesResource {

    @Inject
    SiteAdministration administration;

    @Inject
    net.moodlepushhub.hub.moodle.MoodleHub moodle;

    @Context
    SecurityContext security;

    @GET
    @Path("sites")
    @Operation(summary = "Search sites", description = "By URL substring, status and open report count; paged.")
    public AdminViews.PageView<AdminViews.SiteRow> search(@QueryParam("q") String q, @QueryParam("status") String status,
                                      @QueryParam("minReports") @DefaultValue("0") int minReports,
                                      @QueryParam("page") @DefaultValue("0") int page, @QueryParam("size") @DefaultValue("20") int size) {
        Paging.check(page, size);
        SiteStatus st = null;
        if (status != null && !status.isBlank()) {
            try {
                st = SiteStatus.valueOf(status.strip().toUpperCase());
            } catch (IllegalArgumentException e) {
                throw Problem.of(HubProblem.INVALID_PARAMETER, "status must be one of pending, active, suspended, revoked, unregistered, replaced.").toException();
            }
        }
        String query = q == null || q.isBlank() ? null : q.strip();
        if (query != null && query.length() > 200) {
            throw Problem.of(HubProblem.INVALID_PARAMETER, "q is at most 200 characters.").toException();
        }
        SiteAdministration.SitePage result = administration.search(query, st, Math.max(0, minReports), page, size);
        return AdminViews.page(result.total(), page, size,
                result.rows().stream().map(r -> AdminViews.row(r.site(), r.openReports())).toList());
    }

    @GET
    @Path("sites/{siteId}")
    @Operation(summary = "A site in full", description = "Reports, quota overrides, keys, verification and audit history.")
    public AdminViews.SiteDetails site(@PathParam("siteId") String siteId) {
        // Sites registered from Moodle's own pages also show what Moodle last reported, and the user-quota state.
        return AdminViews.details(administration.view(siteId), moodle.describe(siteId));
    }

    @POST
    @Path("sites/{siteId}/suspend")
    @RequiresRole(Role.ADMIN)
    @Operation(summary = "Suspend a site", description = "The gateway refuses its keys and holds its notifications; optional end time.")
    public AdminViews.SiteView suspend(@PathParam("siteId") String siteId, @NotNull @Valid AdminRequests.Suspension request) {
        Instant until = null;
        if (request.until != null && !request.until.isBlank()) {
            try {
                until = Instant.parse(request.until.strip());
            } catch (DateTimeParseException e) {
                throw Problem.of(CommonProblem.VALIDATION_FAILED, "until: must be an ISO-8601 instant such as 2030-01-01T00:00:00Z").toException();
            }
        }
        return AdminViews.site(administration.suspend(siteId, actor(), request.reason.strip(), until));
    }

    @POST
    @Path("sites/{siteId}/reinstate")
    @RequiresRole(Role.ADMIN)
    @Operation(summary = "Reinstate a suspended site")
    public AdminViews.SiteView reinstate(@PathParam("siteId") String siteId, AdminRequests.OptionalReason request) {
        String reason = request == null || request.reason == null || request.reason.isBlank() ? null : request.reason.strip();
        if (reason != null && reason.length() > 512) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "reason: size must be between 0 and 512").toException();
        }
        return AdminViews.site(administration.reinstate(siteId, actor(), reason));
    }

    @POST
    @Path("sites/{siteId}/revoke")
    @RequiresRole(Role.ADMIN)
    @Operation(summary = "Revoke a site", description = "Final: keys revoked, the URL cannot register again until the revocation is lifted.")
    public AdminViews.SiteView revoke(@PathParam("siteId") String siteId, @NotNull @Valid AdminRequests.Reason request) {
        return AdminViews.site(administration.revoke(siteId, actor(), request.reason.strip()));
    }

    @POST
    @Path("sites/{siteId}/lift-revocation")
    @RequiresRole(Role.ADMIN)
    @Operation(summary = "Lift a revocation", description = "The URL may register again; the revoked site stays revoked.")
    public AdminViews.SiteView lift(@PathParam("siteId") String siteId, @NotNull @Valid AdminRequests.Reason request) {
        return AdminViews.site(administration.liftRevocation(siteId, actor(), request.reason.strip()));
    }

    @PUT
    @Path("sites/{siteId}/quota")
    @RequiresRole(Role.ADMIN)
    @Operation(summary = "Set quota overrides", description = "Null or missing limits mean the hub default.")
    public AdminViews.StoredLimitsView quota(@PathParam("siteId") String siteId, @NotNull @Valid AdminRequests.Quota request) {
        SiteQuota q = administration.setQuota(siteId, actor(), new SiteQuota.Limits(request.maxUsers, request.maxDevices,
                request.notificationsPerMinute, request.notificationsPerDay, request.broadcastsPerDay));
        return AdminViews.stored(q);
    }

    @POST
    @Path("keys/{jti}/revoke")
    @RequiresRole(Role.ADMIN)
    @Operation(summary = "Revoke one key by its jti")
    public AdminViews.KeyView revokeKey(@PathParam("jti") String jti, @NotNull @Valid AdminRequests.Reason request) {
        return AdminViews.key(administration.revokeKey(jti, actor(), request.reason.strip()));
    }

    private String actor() {
        return security.getUserPrincipal().getName();
    }
}
