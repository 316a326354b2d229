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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Per-site token buckets shared by every gateway instance.
 *
 * <p>The buckets live in a JCache cache provided by Payara's built-in Hazelcast, updated with an entry
 * processor so that concurrent takes on different instances never lose an update. With {@code --nocluster}
 * Payara's Hazelcast still serves the cache, for that instance alone; without any JCache provider the buckets are
 * kept in this instance's memory: the same limits, enforced per instance.</p>
 *
 * <p><b>Leases.</b> A call into the shared cache costs about 100 µs of CPU on Payara (Java serialisation and
 * Payara's tenant switch on the Hazelcast thread), a sixth of a whole device registration. So an instance
 * takes a small lease with the units it needs, up to {@value #LEASE_DIVISOR}th of the limit's capacity, and spends it
 * locally for at most {@value #LEASE_MILLIS} ms; then, or when it runs short, it gives back what is left in the
 * same call that takes the next units. Every unit granted still comes out of the shared bucket, so the instances
 * together never grant more than the limit and its refill, and an instance refuses only after giving its lease back
 * (a refusal is the shared bucket's). With several instances, the cost is that up to a
 * {@value #LEASE_DIVISOR}th of the capacity per instance may sit in another instance's lease for up to a second
 * when the limit is reached.</p>
 */
@ApplicationScoped
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class.getName());

    static final String CACHE = "mph-rate-buckets";

    /** A lease is at most this fraction of the limit's capacity (1 %); below 100 units per window, no lease. */
    static final long LEASE_DIVISOR = 100;

    /** How long an instance may spend a lease before giving back what is left of it. */
    static final long LEASE_MILLIS = 1_000;

    @jakarta.inject.Inject
    net.moodlepushhub.gateway.metrics.GatewayMetrics metrics = net.moodlepushhub.gateway.metrics.GatewayMetrics.disabled();

    private Buckets buckets = new LocalBuckets();
    private final ConcurrentMap<String, Lease> leases = new ConcurrentHashMap<>();
    private final java.util.Set<String> activeSites = ConcurrentHashMap.newKeySet();
    private final LongSupplier clock;

    /** With buckets in this instance's memory until {@link #start()} finds the shared cache. */
    public RateLimiter() {
        this.clock = System::currentTimeMillis;
    }

    /**
     * @param buckets where the buckets live (tests: one store shared by two limiters stands for two instances)
     * @param clock   epoch milliseconds
     */
    RateLimiter(Buckets buckets, LongSupplier clock) {
        this.buckets = buckets;
        this.clock = clock;
    }

    @PostConstruct
    void start() {
        try {
            CacheManager manager = (CacheManager) new InitialContext().lookup("payara/CacheManager");
            Cache<String, Bucket> cache = manager.getCache(CACHE, String.class, Bucket.class);
            Cache<String, Bucket> shared = cache != null ? cache : manager.createCache(CACHE, new MutableConfiguration<String, Bucket>().setTypes(String.class, Bucket.class));
            buckets = (key, limit, permits, most, giveBack, now) -> shared.invoke(key, new TakeProcessor(),
                    limit.name(), limit.capacity(), limit.window().toMillis(), permits, most, giveBack, now);
            LOG.info("Rate limits: token buckets shared through JCache (Hazelcast)");
        } catch (Exception | LinkageError e) {
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
        long now = clock.getAsLong();
        Lease lease = leases.get(key);
        if (permits > 0 && lease != null && lease.tryTake(permits, now)) {
            return new Decision(limit, true, lease.sharedRemaining() + lease.units(), Duration.ZERO);
        }
        // Short, expired or a peek: what is left goes back in the same call that takes (or reads) the bucket.
        long giveBack = 0;
        if (lease != null) {
            giveBack = lease.drain();
            leases.remove(key, lease);
        }
        long most = permits == 0 ? 0 : Math.max(permits, limit.capacity() / LEASE_DIVISOR);
        Bucket.Take take = buckets.lease(key, limit, permits, most, giveBack, now);
        long sharedRemaining = (long) Math.floor(take.bucket().tokens());
        long kept = 0;
        if (take.granted() && take.units() > permits) {
            // Two threads may both have run short: the second lease takes in what is left of the first.
            Lease fresh = new Lease(take.units() - permits, now + LEASE_MILLIS, sharedRemaining);
            kept = leases.merge(key, fresh, (old, mine) -> mine.absorb(old)).units();
        }
        return new Decision(limit, take.granted(), sharedRemaining + kept, Duration.ofMillis(take.waitMillis()));
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

    /** Where the buckets live: one JCache cache for every instance, or this instance's memory. */
    @FunctionalInterface
    interface Buckets {
        /** {@link Bucket#lease} on the bucket of {@code key}, created full when new, atomically. */
        Bucket.Take lease(String key, Limit limit, long permits, long most, long giveBack, long now);
    }

    /** The buckets of an instance that runs without a JCache provider. */
    static final class LocalBuckets implements Buckets {
        private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

        @Override
        public Bucket.Take lease(String key, Limit limit, long permits, long most, long giveBack, long now) {
            Bucket.Take[] result = new Bucket.Take[1];
            buckets.compute(key, (k, old) -> {
                result[0] = (old == null ? Bucket.full(limit, now) : old).lease(limit, permits, most, giveBack, now);
                return result[0].bucket();
            });
            return result[0];
        }
    }

    /** Units this instance took from a shared bucket and has not spent yet; spent without locks. */
    static final class Lease {
        private final AtomicLong units;
        private final long expiresAt;
        private final long sharedRemaining;

        Lease(long units, long expiresAt, long sharedRemaining) {
            this.units = new AtomicLong(units);
            this.expiresAt = expiresAt;
            this.sharedRemaining = sharedRemaining;
        }

        /** @return true when the lease still runs and held {@code permits}, now spent */
        boolean tryTake(long permits, long now) {
            if (now >= expiresAt) {
                return false;
            }
            for (long left = units.get(); left >= permits; left = units.get()) {
                if (units.compareAndSet(left, left - permits)) {
                    return true;
                }
            }
            return false;
        }

        /** @return the units left, which no longer belong to this lease */
        long drain() {
            return units.getAndSet(0);
        }

        /** @return this lease, with the units left of {@code older} moved into it */
        Lease absorb(Lease older) {
            units.addAndGet(older.drain());
            return this;
        }

        long units() {
            return units.get();
        }

        /** @return the shared bucket's units when this lease was taken */
        long sharedRemaining() {
            return sharedRemaining;
        }
    }

    /** Runs on the cluster member that owns the key: refill, take back, lease, store, atomically. */
    static final class TakeProcessor implements EntryProcessor<String, Bucket, Bucket.Take>, Serializable {
        private static final long serialVersionUID = 2L;

        @Override
        public Bucket.Take process(MutableEntry<String, Bucket> entry, Object... args) {
            Limit limit = new Limit((String) args[0], (Long) args[1], Duration.ofMillis((Long) args[2]));
            long permits = (Long) args[3];
            long most = (Long) args[4];
            long giveBack = (Long) args[5];
            long now = (Long) args[6];
            Bucket current = entry.exists() ? entry.getValue() : Bucket.full(limit, now);
            Bucket.Take take = current.lease(limit, permits, most, giveBack, now);
            entry.setValue(take.bucket());
            return take;
        }
    }
}
