package net.moodlepushhub.hub.quota;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.hub.keys.FeedAuthorization;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;

/**
 * For the gateway only (feed token): reports of how much of each delivery limit active sites have left.
 * Body: {@code {"usage": [{"siteId", "limit", "capacity", "remaining", "windowSeconds"}]}}, at most 10,000 entries.
 */
@ApplicationScoped
@Path("/api/v1/internal/usage")
@Tag(name = "internal")
public class SiteUsageResource {

    @Inject
    SiteUsage usage;

    @Inject
    FeedAuthorization feedAuthorization;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Sites' remaining delivery limits (gateway only)")
    public Response report(JsonObject body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        feedAuthorization.check(authorization);
        JsonArray entries = body == null ? null : body.getJsonArray("usage");
        if (entries == null || entries.size() > 10_000) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "usage: an array of at most 10,000 entries").toException();
        }
        List<SiteUsage.Report> reports = new ArrayList<>();
        for (JsonValue v : entries) {
            if (v.getValueType() != JsonValue.ValueType.OBJECT) {
                throw Problem.of(CommonProblem.VALIDATION_FAILED, "usage: entries must be objects").toException();
            }
            JsonObject o = v.asJsonObject();
            String siteId = o.getString("siteId", "");
            String limit = o.getString("limit", "");
            if (siteId.isEmpty() || siteId.length() > 36 || limit.isEmpty() || limit.length() > 48) {
                throw Problem.of(CommonProblem.VALIDATION_FAILED, "usage: siteId and limit are required").toException();
            }
            for (String number : new String[]{"capacity", "remaining", "windowSeconds"}) {
                if (!(o.get(number) instanceof jakarta.json.JsonNumber)) {
                    throw Problem.of(CommonProblem.VALIDATION_FAILED, "usage: " + number + " must be a number").toException();
                }
            }
            reports.add(new SiteUsage.Report(siteId, limit, o.getJsonNumber("capacity").longValue(),
                    o.getJsonNumber("remaining").longValue(), o.getJsonNumber("windowSeconds").longValue()));
        }
        usage.record(reports);
        return Response.noContent().build();
    }
}
