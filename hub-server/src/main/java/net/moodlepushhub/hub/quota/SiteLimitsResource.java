package net.moodlepushhub.hub.quota;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import net.moodlepushhub.hub.keys.FeedAuthorization;
import net.moodlepushhub.hub.persistence.HubDatabase;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * For the gateway only (feed token): a site's delivery-limit overrides set by a hub admin. Absent members
 * mean "the gateway's default". The gateway caches the answer briefly and enforces the limits.
 */
@ApplicationScoped
@Path("/api/v1/internal/sites/{siteId}/limits")
@Tag(name = "internal")
public class SiteLimitsResource {

    @Inject
    QuotaPolicy quota;

    @Inject
    HubDatabase db;

    @Inject
    FeedAuthorization feedAuthorization;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A site's delivery-limit overrides (gateway only)")
    public Map<String, Integer> limits(@PathParam("siteId") String siteId, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        feedAuthorization.check(authorization);
        SiteQuota.Limits l = db.inTransaction(em -> quota.overrides(em, siteId.length() > 36 ? null : siteId));
        Map<String, Integer> body = new LinkedHashMap<>();
        putIfSet(body, "maxDevices", l.maxDevices());
        putIfSet(body, "notificationsPerMinute", l.notificationsPerMinute());
        putIfSet(body, "notificationsPerDay", l.notificationsPerDay());
        putIfSet(body, "broadcastsPerDay", l.broadcastsPerDay());
        return body;
    }

    private static void putIfSet(Map<String, Integer> body, String name, Integer value) {
        if (value != null) {
            body.put(name, value);
        }
    }
}
