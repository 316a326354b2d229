package net.moodlepushhub.gateway.quota;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;

import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.processor.EntryProcessor;
import javax.cache.processor.MutableEntry;
import javax.naming.InitialContext;
import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.logging.Logger;

/**
 * Per-site token buckets shared by every gateway instance.
 *
 * <p>The buckets live in a JCache cache provided by Payara's built-in Hazelcast, updated with an entry
 * processor so that concurrent takes on different instances never lose an update. When Payara runs without
 * clustering (a single instance, {@code --nocluster}) there is no JCache provider and the buckets are kept
 * in memory: the same limits, enforced per instance.</p>
 */
@ApplicationScoped
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class.getName());

    static final String CACHE = "mph-rate-buckets";

    @jakarta.inject.Inject
    net.moodlepushhub.gateway.metrics.GatewayMetrics metrics = net.moodlepushhub.gateway.metrics.GatewayMetrics.disabled();

    private Cache<String, Bucket> shared;
    private final ConcurrentMap<String, Bucket> local = new ConcurrentHashMap<>();
    private final java.util.Set<String> activeSites = ConcurrentHashMap.newKeySet();

    @PostConstruct
    void start() {
        try {
            CacheManager manager = (CacheManager) new InitialContext().lookup("payara/CacheManager");
            Cache<String, Bucket> cache = manager.getCache(CACHE, String.class, Bucket.class);
            shared = cache != null ? cache : manager.createCache(CACHE, new MutableConfiguration<String, Bucket>().setTypes(String.class, Bucket.class));
            LOG.info("Rate limits: token buckets shared through JCache (Hazelcast)");
        } catch (Exception | LinkageError e) {
            shared = null;
            LOG.info(() -> "Rate limits: no JCache provider (" + e.getClass().getSimpleName() + "); buckets kept per instance");
        }
    }

    /**
     * @return the sites that took from a bucket since the last call, which then starts a new period
     */
    public java.util.Set<String> drainActiveSites() {
        java.util.Set<String> sites = new java.util.HashSet<>(activeSites);
        activeSites.removeAll(sites);
        return sites;
    }

    /**
     * Reads a bucket without taking from it.
     *
     * @param siteId the site
     * @param limit  the limit
     * @return its state now
     */
    public Decision peek(String siteId, Limit limit) {
        return take(siteId, limit, 0);
    }

    /**
     * Takes units from a site's bucket.
     *
     * @param siteId  the site
     * @param limit   which limit
     * @param permits how many units
     * @return the decision
     */
    public Decision take(String siteId, Limit limit, long permits) {
        if (permits > limit.capacity()) {
            return new Decision(limit, false, 0, Duration.ofMillis(limit.window().toMillis()));
        }
        if (permits > 0) {
            activeSites.add(siteId);
        }
        String key = siteId + "|" + limit.name() + "|" + limit.capacity() + "/" + limit.window().toSeconds();
        long now = System.currentTimeMillis();
        Bucket.Take take;
        if (shared != null) {
            take = shared.invoke(key, new TakeProcessor(), limit.name(), limit.capacity(), limit.window().toMillis(), permits, now);
        } else {
            Bucket.Take[] result = new Bucket.Take[1];
            local.compute(key, (k, old) -> {
                result[0] = (old == null ? Bucket.full(limit, now) : old).take(limit, permits, now);
                return result[0].bucket();
            });
            take = result[0];
        }
        return new Decision(limit, take.granted(), (long) Math.floor(take.bucket().tokens()), Duration.ofMillis(take.waitMillis()));
    }

    /**
     * Takes units, or throws {@code 429 rate-limited} with {@code Retry-After}, {@code RateLimit} and
     * {@code RateLimit-Policy}.
     *
     * @param siteId  the site
     * @param limit   which limit
     * @param permits how many units
     * @return the decision (granted)
     */
    public Decision require(String siteId, Limit limit, long permits) {
        Decision d = take(siteId, limit, permits);
        if (!d.granted()) {
            metrics.rateLimited(limit.name());
            long retry = Math.max(1, (d.retryAfter().toMillis() + 999) / 1000);
            throw Problem.of(CommonProblem.RATE_LIMITED, "This site is over its limit '" + limit.name() + "' (" + limit.capacity()
                            + " per " + limit.window().toSeconds() + " s); try again in " + retry + " s.")
                    .with("limit", limit.name())
                    .withHeader("Retry-After", Long.toString(retry))
                    .withHeader("RateLimit-Policy", limit.policyHeader())
                    .withHeader("RateLimit", d.header())
                    .toException();
        }
        return d;
    }

    /**
     * A decision.
     *
     * @param limit      the limit
     * @param granted    whether the units were granted
     * @param remaining  units left
     * @param retryAfter when refused: the wait until they would be granted
     */
    public record Decision(Limit limit, boolean granted, long remaining, Duration retryAfter) {
        /** @return the {@code RateLimit} header item */
        public String header() {
            return "\"" + limit.name() + "\";r=" + remaining + ";t=" + Math.max(0, (retryAfter.toMillis() + 999) / 1000);
        }
    }

    /** Runs on the cluster member that owns the key: refill, take, store, atomically. */
    static final class TakeProcessor implements EntryProcessor<String, Bucket, Bucket.Take>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Bucket.Take process(MutableEntry<String, Bucket> entry, Object... args) {
            Limit limit = new Limit((String) args[0], (Long) args[1], Duration.ofMillis((Long) args[2]));
            long permits = (Long) args[3];
            long now = (Long) args[4];
            Bucket current = entry.exists() ? entry.getValue() : Bucket.full(limit, now);
            Bucket.Take take = current.take(limit, permits, now);
            entry.setValue(take.bucket());
            return take;
        }
    }
}
