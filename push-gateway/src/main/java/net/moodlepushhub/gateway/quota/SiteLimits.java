package net.moodlepushhub.gateway.quota;

import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.hub.HubApi;
import net.moodlepushhub.gateway.hub.HubConnection;
import net.moodlepushhub.gateway.GatewaySettings;

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
    HubConnection hub;

    @Inject
    GatewaySettings settings;

    private volatile LoadingCache<String, Overrides> overrides;

    /** A site's overrides as the hub last answered. */
    record Overrides(HubApi.LimitOverrides limits) {
        static long get(Long override, long fallback) {
            return override != null ? override : fallback;
        }
    }

    @PostConstruct
    void start() {
        overrides = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterAccess(Duration.ofHours(1))
                .refreshAfterWrite(settings.quota().limitsRefresh)
                .build(new CacheLoader<String, Overrides>() {
                    @Override
                    public Overrides load(String siteId) {
                        // Hub unreachable at first sight of the site: the defaults, until the next refresh.
                        Overrides fetched = fetch(siteId);
                        return fetched != null ? fetched : new Overrides(HubApi.LimitOverrides.NONE);
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
        return new Limit("notifications-minute", Overrides.get(of(siteId).limits().notificationsPerMinute(), settings.quota().notificationsPerMinute), Duration.ofMinutes(1));
    }

    /**
     * @param siteId the site
     * @return notifications the site may send per day
     */
    public Limit notificationsPerDay(String siteId) {
        return new Limit("notifications-day", Overrides.get(of(siteId).limits().notificationsPerDay(), settings.quota().notificationsPerDay), Duration.ofDays(1));
    }

    /**
     * @param siteId the site
     * @return broadcasts the site may send per day
     */
    public Limit broadcastsPerDay(String siteId) {
        return new Limit("broadcasts-day", Overrides.get(of(siteId).limits().broadcastsPerDay(), settings.quota().broadcastsPerDay), Duration.ofDays(1));
    }

    /**
     * @param siteId the site
     * @return the most device tokens the site may have registered
     */
    public long maxDevices(String siteId) {
        return Overrides.get(of(siteId).limits().maxDevices(), settings.quota().maxDevices);
    }

    private Overrides of(String siteId) {
        return overrides.get(siteId);
    }

    private Overrides fetch(String siteId) {
        try {
            HubConnection.Answer r = hub.call(Duration.ofSeconds(2), true, api -> api.limits(siteId));
            return r.status() == 200 ? new Overrides(r.read(HubApi.LimitOverrides.class)) : null;
        } catch (Exception e) {
            // Unreachable, or an answer that cannot be read: the caller keeps what it had.
            return null;
        }
    }

    /** @return device-token registrations a site (all its devices together) may make per minute */
    public Limit tokenRegistrationsPerMinute() {
        return new Limit("token-registrations-minute", settings.quota().tokenRegistrationsPerMinute, Duration.ofMinutes(1));
    }
}
