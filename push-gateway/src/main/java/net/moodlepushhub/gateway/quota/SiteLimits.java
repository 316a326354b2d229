package net.moodlepushhub.gateway.quota;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The limits the gateway enforces per site. Defaults are the gateway's configuration; they are generous
 * for a legitimate Moodle site and exist to stop a stolen key from flooding users (and getting the
 * operator's APNs key blacklisted). A hub admin's per-site overrides are fetched from the hub once per site
 * and then refreshed in the background every {@code gateway.quota.limits-refresh} (a minute): requests are
 * always answered from the last known value and never wait for the hub after the first fetch, and only one
 * fetch per site is ever in progress. While the hub is unreachable the last known overrides (or the defaults)
 * apply.
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
    @ConfigProperty(name = "gateway.quota.limits-refresh", defaultValue = "PT1M")
    String refreshAfter;

    @Inject
    net.moodlepushhub.gateway.hub.HubConnection hub;

    private volatile LoadingCache<String, Overrides> overrides;

    /** A site's overrides as the hub last answered. */
    record Overrides(JsonObject limits) {
        long get(String name, long fallback) {
            return limits.containsKey(name) ? limits.getJsonNumber(name).longValue() : fallback;
        }
    }

    @PostConstruct
    void start() {
        overrides = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterAccess(Duration.ofHours(1))
                .refreshAfterWrite(Duration.parse(refreshAfter))
                .build(new CacheLoader<String, Overrides>() {
                    @Override
                    public Overrides load(String siteId) {
                        // Hub unreachable at first sight of the site: the defaults, until the next refresh.
                        Overrides fetched = fetch(siteId);
                        return fetched != null ? fetched : new Overrides(JsonObject.EMPTY_JSON_OBJECT);
                    }

                    @Override
                    public Overrides reload(String siteId, Overrides old) {
                        // Hub unreachable: keep the last known overrides.
                        Overrides fetched = fetch(siteId);
                        return fetched != null ? fetched : old;
                    }
                });
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
        return overrides.get(siteId);
    }

    private Overrides fetch(String siteId) {
        try {
            HttpResponse<String> r = hub.get("/api/v1/internal/sites/" + siteId + "/limits", Duration.ofSeconds(2));
            if (r.statusCode() != 200) {
                return null;
            }
            try (JsonReader reader = Json.createReader(new StringReader(r.body()))) {
                return new Overrides(reader.readObject());
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
