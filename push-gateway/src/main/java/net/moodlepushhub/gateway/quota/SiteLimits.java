package net.moodlepushhub.gateway.quota;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The limits the gateway enforces per site. Defaults are the gateway's configuration; they are generous
 * for a legitimate Moodle site and exist to stop a stolen key from flooding users (and getting the
 * operator's APNs key blacklisted). A hub admin's per-site overrides are fetched from the hub and cached for
 * a minute; while the hub is unreachable the last known overrides (or the defaults) apply.
 */
@ApplicationScoped
public class SiteLimits {

    @Inject
    @ConfigProperty(name = "gateway.quota.notifications-per-minute", defaultValue = "60000")
    long perMinute;

    @Inject
    @ConfigProperty(name = "gateway.quota.notifications-per-day", defaultValue = "2000000")
    long perDay;

    @Inject
    @ConfigProperty(name = "gateway.quota.broadcasts-per-day", defaultValue = "100")
    long broadcastsPerDay;

    @Inject
    @ConfigProperty(name = "gateway.quota.token-registrations-per-minute", defaultValue = "6000")
    long registrationsPerMinute;

    @Inject
    @ConfigProperty(name = "gateway.quota.max-devices", defaultValue = "1000000")
    long maxDevices;

    @Inject
    net.moodlepushhub.gateway.hub.HubConnection hub;
    private final Map<String, Overrides> overrides = new ConcurrentHashMap<>();

    /** A site's overrides as the hub last answered, and when. */
    record Overrides(JsonObject limits, Instant fetchedAt) {
        long get(String name, long fallback) {
            return limits.containsKey(name) ? limits.getJsonNumber(name).longValue() : fallback;
        }
    }

    /**
     * @param siteId the site
     * @return notifications the site may send per minute
     */
    public Limit notificationsPerMinute(String siteId) {
        return new Limit("notifications-minute", of(siteId).get("notificationsPerMinute", perMinute), Duration.ofMinutes(1));
    }

    /**
     * @param siteId the site
     * @return notifications the site may send per day
     */
    public Limit notificationsPerDay(String siteId) {
        return new Limit("notifications-day", of(siteId).get("notificationsPerDay", perDay), Duration.ofDays(1));
    }

    /**
     * @param siteId the site
     * @return broadcasts the site may send per day
     */
    public Limit broadcastsPerDay(String siteId) {
        return new Limit("broadcasts-day", of(siteId).get("broadcastsPerDay", broadcastsPerDay), Duration.ofDays(1));
    }

    /**
     * @param siteId the site
     * @return the most device tokens the site may have registered
     */
    public long maxDevices(String siteId) {
        return of(siteId).get("maxDevices", maxDevices);
    }

    private Overrides of(String siteId) {
        Overrides known = overrides.get(siteId);
        if (known != null && known.fetchedAt().isAfter(Instant.now().minus(Duration.ofMinutes(1)))) {
            return known;
        }
        Overrides fetched = fetch(siteId);
        if (fetched == null) {
            // Hub unreachable: keep the last known overrides for another minute, or the defaults.
            fetched = new Overrides(known != null ? known.limits() : JsonObject.EMPTY_JSON_OBJECT, Instant.now());
        }
        overrides.put(siteId, fetched);
        return fetched;
    }

    private Overrides fetch(String siteId) {
        try {
            HttpResponse<String> r = hub.get("/api/v1/internal/sites/" + siteId + "/limits", Duration.ofSeconds(2));
            if (r.statusCode() != 200) {
                return null;
            }
            try (JsonReader reader = Json.createReader(new StringReader(r.body()))) {
                return new Overrides(reader.readObject(), Instant.now());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    /** @return device-token registrations a site (all its devices together) may make per minute */
    public Limit tokenRegistrationsPerMinute() {
        return new Limit("token-registrations-minute", registrationsPerMinute, Duration.ofMinutes(1));
    }
}
