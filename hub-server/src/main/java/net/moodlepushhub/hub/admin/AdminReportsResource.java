package net.moodlepushhub.hub.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.hub.abuse.AbuseReport;
import net.moodlepushhub.hub.abuse.AbuseReports;
import net.moodlepushhub.hub.audit.AuditLog;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;


/** The admin API for abuse reports and the audit log. Thin: logic in {@link AbuseReports} and {@link AuditLog}. */
@ApplicationScoped
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
public class AdminReportsResource {

    @Inject
    AbuseReports reports;

    @Inject
    AuditLog audit;

    @Context
    SecurityContext security;

    @GET
    @Path("abuse-reports")
    @Operation(summary = "List abuse reports", description = "Newest first; filter by status (open, resolved) and site.")
    public AdminViews.PageView<AdminViews.ReportView> list(@QueryParam("status") String status, @QueryParam("siteId") String siteId,
                                    @QueryParam("page") @DefaultValue("0") int page, @QueryParam("size") @DefaultValue("20") int size) {
        Paging.check(page, size);
        String st = status == null || status.isBlank() ? null : status.strip();
        if (st != null && !st.equals(AbuseReport.OPEN) && !st.equals(AbuseReport.RESOLVED)) {
            throw Problem.of(HubProblem.INVALID_PARAMETER, "status must be open or resolved.").toException();
        }
        AbuseReports.Page result = reports.list(st, siteId == null || siteId.isBlank() ? null : siteId.strip(), page, size);
        return AdminViews.page(result.total(), page, size, result.reports().stream().map(AdminViews::report).toList());
    }

    @POST
    @Path("abuse-reports/{id}/resolve")
    @RequiresRole(Role.ADMIN)
    @Operation(summary = "Resolve an abuse report")
    public AdminViews.ReportView resolve(@PathParam("id") long id, @NotNull @Valid AdminRequests.Reason request) {
        return AdminViews.report(reports.resolve(id, security.getUserPrincipal().getName(), request.reason.strip()));
    }

    @GET
    @Path("audit")
    @Operation(summary = "Read the audit log", description = "Newest first; filter by subject type, subject and actor.")
    public AdminViews.PageView<AdminViews.AuditView> audit(@QueryParam("subjectType") String subjectType, @QueryParam("subject") String subject,
                                     @QueryParam("actor") String actor,
                                     @QueryParam("page") @DefaultValue("0") int page, @QueryParam("size") @DefaultValue("50") int size) {
        Paging.check(page, size);
        AuditLog.Page result = audit.read(blankToNull(subjectType), blankToNull(subject), blankToNull(actor), page, size);
        return AdminViews.page(result.total(), page, size, result.entries().stream().map(AdminViews::audit).toList());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
