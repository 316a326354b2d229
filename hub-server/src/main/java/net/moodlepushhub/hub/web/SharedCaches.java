package net.moodlepushhub.hub.web;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;

import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import javax.cache.spi.CachingProvider;
import javax.naming.InitialContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The state the hub's instances share in memory rather than in the database: the per-address and per-username
 * {@link RateLimiter}s (abuse reports, admin logins), in JCache caches of Payara's built-in Hazelcast. In a
 * Payara cluster the caches are the cluster's; with {@code --nocluster} (one instance, {@code ./run}'s default)
 * they are this instance's own, which is all one instance needs. Without a JCache provider at all (outside
 * Payara) the limiters count in memory.
 *
 * <p>What else is shared, and how: admin sessions are signed tokens verified against the signing keys in the
 * database, so every instance accepts every other's; verification attempts per site are counted in the
 * database.</p>
 */
@ApplicationScoped
public class SharedCaches {

    private static final Logger LOG = Logger.getLogger(SharedCaches.class.getName());

    /** Every cache of the hub is named with this prefix, apart from the gateway's. */
    static final String PREFIX = "mph-hub-";

    private CacheManager manager;

    @PostConstruct
    void start() {
        try {
            manager = (CacheManager) new InitialContext().lookup("payara/CacheManager");
            LOG.info("Hub limits: counted in JCache caches (Payara's Hazelcast), shared by the instances of a Payara cluster");
        } catch (Exception | LinkageError e) {
            manager = null;
            LOG.info(() -> "Hub limits: no JCache provider (" + e.getClass().getSimpleName() + "); counted per instance");
        }
    }

    /**
     * @param name   the limit's name (one cache per limit)
     * @param limit  events allowed per key within the window
     * @param window the window
     * @return a limiter in the shared cache {@code mph-hub-<name>-<window seconds>s}, or in memory without a JCache provider
     */
    public RateLimiter limiter(String name, int limit, Duration window) {
        // The window is part of the name: a cache's expiry is fixed when the first instance creates it, so
        // instances configured with another window (during a rolling change) do not share a cache.
        String cacheName = PREFIX + name + "-" + window.toSeconds() + "s";
        return new RateLimiter(limit, window, System::currentTimeMillis, manager == null ? null : cache(manager, cacheName, window));
    }

    /**
     * A cache of windows that forgets a key one window after its last event (what bounds its size).
     *
     * @param manager the JCache manager
     * @param name    the cache
     * @param window  the limit's window
     * @return the cache, created by whichever instance asks first
     */
    static Cache<String, SlidingWindow> cache(CacheManager manager, String name, Duration window) {
        Cache<String, SlidingWindow> cache = manager.getCache(name, String.class, SlidingWindow.class);
        if (cache != null) {
            return cache;
        }
        try {
            return manager.createCache(name, new MutableConfiguration<String, SlidingWindow>()
                    .setTypes(String.class, SlidingWindow.class)
                    .setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(
                            new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, Math.max(1, window.toMillis())))));
        } catch (javax.cache.CacheException alreadyCreated) {
            // Another instance (or thread) created it between the two calls.
            return manager.getCache(name, String.class, SlidingWindow.class);
        }
    }

    /** @return the provider behind the caches, or null without one (for the log and tests) */
    CachingProvider provider() {
        return manager == null ? null : manager.getCachingProvider();
    }
}
