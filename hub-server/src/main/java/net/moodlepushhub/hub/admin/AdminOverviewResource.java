package net.moodlepushhub.hub.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.stats.DeliveryStats;
import net.moodlepushhub.hub.stats.OperatorViews;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;

/**
 * The admin console's pictures: the overview of every site, and one site's devices and recent volume. Reads,
 * open to every operator. Thin: the figures come from {@link DeliveryStats}, which the gateways feed.
 */
@ApplicationScoped
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
public class AdminOverviewResource {

    /** The longest period a chart covers: a week of hours. */
    static final int MAX_HOURS = 168;

    @Inject
    DeliveryStats stats;

    @GET
    @Path("overview")
    @Operation(summary = "Deliveries, queue, busiest sites, sites near their limits, open reports",
            description = "Per hour over the last `hours` hours (1 to 168, default 24), as the gateways reported them.")
    public OperatorViews.Overview overview(@QueryParam("hours") @DefaultValue("24") int hours) {
        return stats.overview(checkHours(hours), Instant.now());
    }

    @GET
    @Path("sites/{siteId}/activity")
    @Operation(summary = "A site's devices by platform and its deliveries per hour",
            description = "Over the last `hours` hours (1 to 168, default 48).")
    public OperatorViews.SiteActivity activity(@PathParam("siteId") String siteId, @QueryParam("hours") @DefaultValue("48") int hours) {
        return stats.site(siteId, checkHours(hours), Instant.now());
    }

    private static int checkHours(int hours) {
        if (hours < 1 || hours > MAX_HOURS) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "hours: from 1 to " + MAX_HOURS).toException();
        }
        return hours;
    }
}
