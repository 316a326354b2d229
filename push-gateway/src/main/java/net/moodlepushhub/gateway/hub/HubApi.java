package net.moodlepushhub.gateway.hub;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * The hub's API as the gateway calls it, as a MicroProfile Rest Client interface. {@link HubConnection} builds
 * one client per hub (and timeout) with the feed token as bearer ({@link HubBearer}) and fails over between
 * them; the long poll of the revocation feed stays on {@link java.net.http.HttpClient}.
 *
 * <p>Every method answers the raw {@link Response} (the clients are built without the default exception
 * mapper): a {@code 503} is what makes {@link HubConnection} try the next hub, and each caller decides what the
 * other statuses mean; bodies are read as the records below.</p>
 */
@ApplicationScoped
@Path("/")
public interface HubApi {

    /** @return the hub's JWKS (its public keys), for Nimbus as it is */
    @GET
    @Path(".well-known/jwks.json")
    @Produces(MediaType.APPLICATION_JSON)
    Response jwks();

    /** @return the hub's metadata: {@link Metadata} */
    @GET
    @Path(".well-known/moodle-push-hub")
    @Produces(MediaType.APPLICATION_JSON)
    Response metadata();

    /**
     * @param siteId the site
     * @return the hub admin's overrides of the site's limits: {@link LimitOverrides}
     */
    @GET
    @Path("api/v1/internal/sites/{siteId}/limits")
    @Produces(MediaType.APPLICATION_JSON)
    Response limits(@PathParam("siteId") String siteId);

    /**
     * @param request the site as Moodle's {@code POST /accesskeys/} named it
     * @return {@code 200} {@link MoodleAccessKey} for a site the hub verified for it
     */
    @POST
    @Path("api/v1/internal/moodle-access-keys")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    Response moodleAccessKey(MoodleAccessKeyRequest request);

    /**
     * @param report what is left of the limits of the recently active sites
     * @return {@code 2xx} when taken
     */
    @POST
    @Path("api/v1/internal/usage")
    @Consumes(MediaType.APPLICATION_JSON)
    Response usage(UsageReport report);

    /**
     * @param report an abuse report the gateway files by itself
     * @return {@code 2xx} when filed
     */
    @POST
    @Path("api/v1/abuse-reports")
    @Consumes(MediaType.APPLICATION_JSON)
    Response abuseReport(AbuseReport report);

    /**
     * The part of the hub's metadata the gateway reads.
     *
     * @param issuer   the {@code iss} of the keys the hub issues
     * @param audience the {@code aud} of the keys the hub issues, or null
     */
    record Metadata(String issuer, String audience) {
    }

    /**
     * A hub admin's per-site overrides; null where the gateway's default applies.
     *
     * @param notificationsPerMinute notifications per minute
     * @param notificationsPerDay    notifications per day
     * @param broadcastsPerDay       broadcasts per day
     * @param maxDevices             registered devices
     */
    record LimitOverrides(Long notificationsPerMinute, Long notificationsPerDay, Long broadcastsPerDay, Long maxDevices) {

        /** No overrides. */
        public static final LimitOverrides NONE = new LimitOverrides(null, null, null, null);
    }

    /**
     * @param url          the site's wwwroot as Moodle sent it
     * @param moodleSiteId Moodle's {@code siteid}
     */
    record MoodleAccessKeyRequest(String url, String moodleSiteId) {
    }

    /** @param moodleAccessKey a site key in Moodle's form */
    record MoodleAccessKey(String moodleAccessKey) {
    }

    /** @param usage one entry per site and limit */
    record UsageReport(List<Usage> usage) {
    }

    /**
     * @param siteId        the site
     * @param limit         the limit's name
     * @param capacity      its capacity
     * @param remaining     what is left of it now
     * @param windowSeconds its window
     */
    record Usage(String siteId, String limit, long capacity, long remaining, long windowSeconds) {
    }

    /**
     * @param site        the site
     * @param category    the abuse category
     * @param description why
     */
    record AbuseReport(String site, String category, String description) {
    }
}
