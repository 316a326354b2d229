package net.moodlepushhub.hub.metrics;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.registration.SiteStatus;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The hub's application metrics, served by Payara in Prometheus text on {@code /metrics} (see the README's
 * "Metrics" table for every series and its labels).
 *
 * <p>The rest of the hub calls one intention-revealing method per event ({@link #verificationAttempted},
 * {@link #siteRegistered}, {@link #rateLimited}); the counters are looked up once per label value and kept.
 * The number of sites per status is a gauge read from one query every {@code hub.metrics.refresh} (default
 * 30 s), never one query per scrape.</p>
 */
@ApplicationScoped
public class HubMetrics {

    private static final Logger LOG = Logger.getLogger(HubMetrics.class.getName());

    /** Counter: site verification attempts (the callback to the site) by outcome. */
    public static final String VERIFICATION_ATTEMPTS = "hub.verification.attempts";
    /** Counter: sites registered (verified and activated), by the way they registered. */
    public static final String SITES_REGISTERED = "hub.sites.registered";
    /** Gauge: sites by status. */
    public static final String SITES = "hub.sites";
    /** Counter: requests refused with 429, by limit. */
    public static final String RATE_LIMITED = "hub.rate.limited";

    /** The limits the hub answers 429 for, as label values. */
    public static final String LIMIT_VERIFICATION_ATTEMPTS = "verification-attempts";
    /** Failed admin logins per username or address. */
    public static final String LIMIT_ADMIN_LOGIN = "admin-login";
    /** Abuse reports per source address. */
    public static final String LIMIT_ABUSE_REPORTS = "abuse-reports";
    /** Moodle's registration page per address. */
    public static final String LIMIT_MOODLE_PAGE = "moodle-registration-page";
    /** AirNotifier site checks per address. */
    public static final String LIMIT_SITECHECK = "sitecheck";

    /** Verification outcomes kept as label values (the verifier's problem slugs are a small fixed set). */
    static final int MAX_OUTCOMES = 32;

    @Inject
    MetricRegistry registry;

    @Inject
    HubDatabase db;

    @Inject
    @ConfigProperty(name = "hub.metrics.refresh", defaultValue = "PT30S")
    String refresh;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService executor;

    private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<String, Counter> registered = new ConcurrentHashMap<>();
    private final Map<String, Counter> limited = new ConcurrentHashMap<>();
    private volatile Map<SiteStatus, Long> sites = Map.of();
    private ScheduledFuture<?> task;

    /**
     * @return an instance whose hooks do nothing: the default of the classes that call them, so that they work
     *         unchanged outside the container (unit tests); the container injects the real one
     */
    public static HubMetrics disabled() {
        return new HubMetrics();
    }

    @PostConstruct
    void register() {
        for (SiteStatus s : SiteStatus.values()) {
            registry.gauge(meta(SITES, "Sites by status (refreshed every hub.metrics.refresh)", MetricUnits.NONE),
                    () -> sites.getOrDefault(s, 0L), new Tag("status", s.wire()));
        }
        for (String via : new String[] {"api", "moodle"}) {
            counter(registered, SITES_REGISTERED, "Sites registered: ownership verified and keys issued", "via", via);
        }
        for (String limit : new String[] {LIMIT_VERIFICATION_ATTEMPTS, LIMIT_ADMIN_LOGIN, LIMIT_ABUSE_REPORTS, LIMIT_MOODLE_PAGE, LIMIT_SITECHECK}) {
            counter(limited, RATE_LIMITED, "Requests refused with 429, by limit", "limit", limit);
        }
    }

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        long every = Math.max(1000, Duration.parse(refresh).toMillis());
        task = executor.scheduleWithFixedDelay(this::refreshSites, 0, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }

    /**
     * A verification attempt was recorded.
     *
     * @param outcome {@code valid}, {@code challenge-expired} or the verifier's problem slug
     */
    public void verificationAttempted(String outcome) {
        if (registry == null) {
            return;
        }
        String o = attempts.size() < MAX_OUTCOMES || attempts.containsKey(outcome) ? outcome : "other";
        counter(attempts, VERIFICATION_ATTEMPTS, "Site verification attempts (the callback to the site), by outcome", "outcome", o).inc();
    }

    /**
     * A site was verified and activated.
     *
     * @param fromMoodle whether it registered from Moodle's own admin pages (else through the hub's API)
     */
    public void siteRegistered(boolean fromMoodle) {
        if (registry == null) {
            return;
        }
        registered.get(fromMoodle ? "moodle" : "api").inc();
    }

    /**
     * A request was refused with {@code 429}.
     *
     * @param limit one of the {@code LIMIT_*} names
     */
    public void rateLimited(String limit) {
        if (registry == null) {
            return;
        }
        counter(limited, RATE_LIMITED, "Requests refused with 429, by limit", "limit", limit).inc();
    }

    private Counter counter(Map<String, Counter> cache, String name, String description, String tag, String value) {
        Counter c = cache.get(value);
        return c != null ? c : cache.computeIfAbsent(value, v -> registry.counter(meta(name, description, MetricUnits.NONE), new Tag(tag, v)));
    }

    void refreshSites() {
        try {
            Map<SiteStatus, Long> counts = new EnumMap<>(SiteStatus.class);
            db.inTransaction(em -> {
                for (Object[] row : em.createQuery("select s.status, count(s) from Site s group by s.status", Object[].class).getResultList()) {
                    counts.put((SiteStatus) row[0], ((Number) row[1]).longValue());
                }
                return null;
            });
            sites = counts;
        } catch (RuntimeException e) {
            // The database may be down: the gauge keeps its last values, the next run tries again.
            LOG.log(Level.FINE, "metrics: site counts not refreshed", e);
        }
    }

    private static Metadata meta(String name, String description, String unit) {
        return Metadata.builder().withName(name).withDescription(description).withUnit(unit).build();
    }
}
