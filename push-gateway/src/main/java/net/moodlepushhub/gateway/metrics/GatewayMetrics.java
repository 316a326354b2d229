package net.moodlepushhub.gateway.metrics;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.delivery.DeliveryQueue;
import net.moodlepushhub.gateway.keys.RevocationFollower;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.SendOutcome;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gateway's application metrics, served by Payara in Prometheus text on {@code /metrics} (see the README's
 * "Metrics" table for every series and its labels).
 *
 * <p>The rest of the gateway calls one intention-revealing method per event ({@link #pushAnswered},
 * {@link #deliveriesRecorded}, {@link #keyVerified}, ...). Those calls sit on hot paths (every push-service
 * answer, every request's key), so they only increment {@link Counter}s looked up once and kept here: per
 * (platform, outcome) in arrays, per free-text reason in a bounded map. Nothing is built per call but what the
 * push service's own reason string needs.</p>
 *
 * <p>The queue gauges come from one small query every {@code gateway.metrics.queue-refresh} (default 5 s), not
 * one per scrape, so any number of scrapers cost the database nothing more. The delivery latency needs when a
 * notification was accepted, which the delivery path does not carry: it is read from the {@code notification}
 * table in batches (one query every {@value #LATENCY_FLUSH_MILLIS} ms for the notifications first answered
 * since) and remembered, so a notification costs one lookup however many recipients it has, and latencies are
 * right also for notifications another instance (or an earlier run) accepted.</p>
 */
@ApplicationScoped
public class GatewayMetrics {

    private static final Logger LOG = Logger.getLogger(GatewayMetrics.class.getName());

    /** Counter: recorded delivery results by platform and outcome. */
    public static final String DELIVERIES = "gateway.deliveries";
    /** Counter: push-service answers other than success, by platform and reason. */
    public static final String PUSH_ERRORS = "gateway.push.errors";
    /** Timer (seconds, with histogram buckets): accepted (202) to the push service's acceptance, by platform. */
    public static final String DELIVERY_LATENCY = "gateway.delivery.latency";
    /** Gauge: deliveries accepted and not yet answered for good, by platform. */
    public static final String QUEUE_DEPTH = "gateway.queue.depth";
    /** Gauge (seconds): how long the oldest due, unsent delivery has been due, by platform. */
    public static final String QUEUE_OLDEST_DUE = "gateway.queue.oldest.due";
    /** Counter: access-key verifications by outcome ({@code accepted} or the refusal reason). */
    public static final String KEY_VERIFICATIONS = "gateway.key.verifications";
    /** Gauge (seconds): time since the hub last answered the revocation feed. */
    public static final String FEED_LAG = "gateway.revocation.feed.lag";
    /** Counter: device tokens newly registered, by platform. */
    public static final String TOKENS_REGISTERED = "gateway.device.tokens.registered";
    /** Counter: requests refused with 429, by limit. */
    public static final String RATE_LIMITED = "gateway.rate.limited";

    /** Push-service reasons kept as label values; further distinct reasons are counted as {@code other}. */
    static final int MAX_REASONS = 64;
    /** Answers waiting for their notification's acceptance time; past this, latencies are dropped, not memory. */
    static final int MAX_PENDING = 100_000;
    static final long LATENCY_FLUSH_MILLIS = 2000;

    /** The outcomes of {@link #DELIVERIES}, in label form. */
    public enum Outcome {
        /** The push service accepted it. */
        DELIVERED("delivered"),
        /** The push service said the token is dead; the token was deleted. */
        INVALID_TOKEN("invalid-token"),
        /** A temporary failure; queued again for a later attempt. */
        RETRY("retry"),
        /** Given up (permanent failure, attempts exhausted, site revoked). */
        FAILED("failed"),
        /** Not sent: the site is suspended. */
        HELD("held"),
        /** Not sent: the gateway's own bound on sends in flight; queued again, no attempt used. */
        DEFERRED("deferred");

        final String label;

        Outcome(String label) {
            this.label = label;
        }
    }

    /** Counts nothing: for the gateway's classes used outside the container (unit tests, benchmarks). */
    private static final GatewayMetrics DISABLED = new GatewayMetrics();

    @Inject
    MetricRegistry registry;

    @Inject
    GatewayDatabase db;

    @Inject
    RevocationFollower follower;

    @Inject
    @ConfigProperty(name = "gateway.metrics.queue-refresh", defaultValue = "PT5S")
    String queueRefresh;

    @Resource
    ManagedScheduledExecutorService scheduler;

    private final Map<Platform, Counter[]> deliveries = new EnumMap<>(Platform.class);
    private final Map<Platform, Timer> latency = new EnumMap<>(Platform.class);
    private final Map<Platform, Map<String, Counter>> pushErrors = new EnumMap<>(Platform.class);
    private final Map<Platform, Counter> tokensRegistered = new EnumMap<>(Platform.class);
    private final Map<String, Counter> keyVerifications = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Counter> rateLimited = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger reasons = new AtomicInteger();
    private final long startedAt = System.currentTimeMillis();

    /** Acceptance times (epoch ms) of notifications answered recently, by id. */
    private final Cache<String, Long> acceptedAt = Caffeine.newBuilder().maximumSize(50_000).expireAfterAccess(Duration.ofHours(1)).build();
    private final ConcurrentLinkedQueue<Answer> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingSize = new AtomicInteger();

    private volatile QueueSnapshot queue = QueueSnapshot.EMPTY;
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    /** A push-service acceptance whose notification's acceptance time was not known yet. */
    private record Answer(Platform platform, String notificationId, long answeredAt) {
    }

    /** The queue gauges' values, replaced whole by each refresh. */
    record QueueSnapshot(Map<Platform, Long> depth, Map<Platform, Double> oldestDueSeconds) {
        static final QueueSnapshot EMPTY = new QueueSnapshot(Map.of(), Map.of());
    }

    /** For the container. */
    public GatewayMetrics() {
    }

    /**
     * @return an instance whose hooks do nothing, the default of the classes that call them, so that those
     *         classes work unchanged outside the container (the container injects the real one)
     */
    public static GatewayMetrics disabled() {
        return DISABLED;
    }

    @PostConstruct
    void register() {
        for (Platform p : Platform.values()) {
            Tag platform = platformTag(p);
            Counter[] byOutcome = new Counter[Outcome.values().length];
            for (Outcome o : Outcome.values()) {
                byOutcome[o.ordinal()] = registry.counter(meta(DELIVERIES, "Delivery results recorded, by platform and outcome", MetricUnits.NONE),
                        platform, new Tag("outcome", o.label));
            }
            deliveries.put(p, byOutcome);
            latency.put(p, registry.timer(meta(DELIVERY_LATENCY, "From the notification's acceptance (202) to the push service accepting it",
                    MetricUnits.SECONDS), platform));
            pushErrors.put(p, new java.util.concurrent.ConcurrentHashMap<>());
            tokensRegistered.put(p, registry.counter(meta(TOKENS_REGISTERED, "Device tokens newly registered", MetricUnits.NONE), platform));
            registry.gauge(meta(QUEUE_DEPTH, "Deliveries accepted and not yet answered for good (refreshed every gateway.metrics.queue-refresh)",
                    MetricUnits.NONE), () -> queue.depth().getOrDefault(p, 0L), platform);
            registry.gauge(meta(QUEUE_OLDEST_DUE, "How long the oldest due, unsent delivery has been due (0: none)", MetricUnits.SECONDS),
                    () -> queue.oldestDueSeconds().getOrDefault(p, 0.0), platform);
        }
        registry.gauge(meta(FEED_LAG, "Time since the hub last answered the revocation feed", MetricUnits.SECONDS), this::feedLagSeconds);
    }

    /** Starts the periodic refreshes with the application (nothing else needs to call this bean first). */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        start();
    }

    synchronized void start() {
        if (!tasks.isEmpty() || scheduler == null || registry == null) {
            return;
        }
        long every = Math.max(500, Duration.parse(queueRefresh).toMillis());
        tasks.add(scheduler.scheduleWithFixedDelay(() -> guarded("queue gauges", this::refreshQueue), 0, every, TimeUnit.MILLISECONDS));
        tasks.add(scheduler.scheduleWithFixedDelay(() -> guarded("delivery latency", this::flushLatencies),
                LATENCY_FLUSH_MILLIS, LATENCY_FLUSH_MILLIS, TimeUnit.MILLISECONDS));
    }

    @PreDestroy
    synchronized void stop() {
        tasks.forEach(t -> t.cancel(true));
        tasks.clear();
    }

    private static void guarded(String what, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            // The database may be down: the gauges keep their last values, the next run tries again.
            LOG.log(Level.FINE, "metrics: " + what + " not refreshed", e);
        }
    }

    // ---------------------------------------------------------------- hooks

    /**
     * A push service answered one send (or the send failed in the gateway before an answer). Counts errors by
     * reason and measures the delivery latency of an acceptance.
     *
     * @param platform       the platform
     * @param notificationId the notification, for its acceptance time
     * @param outcome        the answer, null when {@code error} is set
     * @param error          a failure of the send itself, or null
     */
    public void pushAnswered(Platform platform, String notificationId, SendOutcome outcome, Throwable error) {
        if (registry == null) {
            return;
        }
        if (error != null) {
            pushError(platform, "internal");
        } else if (outcome instanceof SendOutcome.Delivered) {
            long now = System.currentTimeMillis();
            Long accepted = acceptedAt.getIfPresent(notificationId);
            if (accepted != null) {
                latency.get(platform).update(Duration.ofMillis(Math.max(0, now - accepted)));
            } else if (pendingSize.incrementAndGet() <= MAX_PENDING) {
                pending.add(new Answer(platform, notificationId, now));
            } else {
                pendingSize.decrementAndGet();
            }
        } else if (outcome instanceof SendOutcome.InvalidToken x) {
            pushError(platform, x.reason());
        } else if (outcome instanceof SendOutcome.Retryable x) {
            if (!"in-flight-limit".equals(x.reason())) { // the gateway's own bound, not the push service
                pushError(platform, x.reason());
            }
        } else if (outcome instanceof SendOutcome.Failed x) {
            pushError(platform, x.reason());
        }
    }

    /**
     * Results were written to the queue (one call per batch the recorder wrote).
     *
     * @param results the results written
     */
    public void deliveriesRecorded(List<? extends DeliveryQueue.Result> results) {
        if (registry == null || results.isEmpty()) {
            return;
        }
        // Counted locally first: one increment per (platform, outcome) per batch, not per result.
        int outcomes = Outcome.values().length;
        long[] counts = new long[Platform.values().length * outcomes];
        for (DeliveryQueue.Result r : results) {
            counts[r.delivery().platform().ordinal() * outcomes + outcome(r).ordinal()]++;
        }
        for (Platform p : Platform.values()) {
            Counter[] byOutcome = deliveries.get(p);
            for (int o = 0; o < outcomes; o++) {
                long n = counts[p.ordinal() * outcomes + o];
                if (n > 0) {
                    byOutcome[o].inc(n);
                }
            }
        }
    }

    static Outcome outcome(DeliveryQueue.Result r) {
        if (r instanceof DeliveryQueue.Delivered) {
            return Outcome.DELIVERED;
        }
        if (r instanceof DeliveryQueue.InvalidToken) {
            return Outcome.INVALID_TOKEN;
        }
        if (r instanceof DeliveryQueue.Retry) {
            return Outcome.RETRY;
        }
        if (r instanceof DeliveryQueue.Deferred) {
            return Outcome.DEFERRED;
        }
        if (r instanceof DeliveryQueue.Held) {
            return Outcome.HELD;
        }
        return Outcome.FAILED;
    }

    /**
     * An access key was verified.
     *
     * @param outcome {@code accepted}, or the refusal reason
     */
    public void keyVerified(String outcome) {
        if (registry == null) {
            return;
        }
        keyVerifications.computeIfAbsent(outcome, o -> registry.counter(
                meta(KEY_VERIFICATIONS, "Access-key verifications, by outcome (accepted or the refusal reason)", MetricUnits.NONE),
                new Tag("outcome", o))).inc();
    }

    /**
     * A device token was registered that the site did not have.
     *
     * @param platform its platform
     */
    public void deviceTokenRegistered(Platform platform) {
        if (registry == null) {
            return;
        }
        tokensRegistered.get(platform).inc();
    }

    /**
     * A request was refused with {@code 429} by a per-site limit.
     *
     * @param limit the limit's name (as in {@code RateLimit-Policy})
     */
    public void rateLimited(String limit) {
        if (registry == null) {
            return;
        }
        rateLimited.computeIfAbsent(limit, l -> registry.counter(
                meta(RATE_LIMITED, "Requests refused with 429, by limit", MetricUnits.NONE), new Tag("limit", l))).inc();
    }

    // ---------------------------------------------------------------- internals

    private void pushError(Platform platform, String rawReason) {
        String reason = reason(rawReason);
        Map<String, Counter> byReason = pushErrors.get(platform);
        Counter c = byReason.get(reason);
        if (c == null) {
            // Push services write these reasons; their number is bounded so that a strange answer cannot grow
            // the registry without end.
            String kept = reasons.get() < MAX_REASONS || byReason.containsKey(reason) ? reason : "other";
            c = byReason.computeIfAbsent(kept, r -> {
                reasons.incrementAndGet();
                return registry.counter(meta(PUSH_ERRORS, "Push-service answers other than success, by platform and reason", MetricUnits.NONE),
                        platformTag(platform), new Tag("reason", r));
            });
        }
        c.inc();
    }

    /**
     * The stable part of a push service's reason: the code before any {@code ": detail"} (FCM's messages, I/O
     * exceptions), as a label-safe token: {@code "UNREGISTERED: Requested entity was not found."} becomes
     * {@code UNREGISTERED}, {@code "io: ClosedChannelException"} becomes {@code io}, {@code "HTTP 500"}
     * becomes {@code HTTP_500}.
     *
     * @param raw the reason as the provider gave it
     * @return the label value
     */
    static String reason(String raw) {
        if (raw == null || raw.isBlank()) {
            return "unknown";
        }
        int colon = raw.indexOf(':');
        String code = (colon >= 0 ? raw.substring(0, colon) : raw).strip();
        StringBuilder b = new StringBuilder(Math.min(code.length(), 48));
        for (int i = 0; i < code.length() && b.length() < 48; i++) {
            char ch = code.charAt(i);
            b.append(Character.isLetterOrDigit(ch) || ch == '-' || ch == '_' || ch == '.' ? ch : '_');
        }
        return b.isEmpty() ? "unknown" : b.toString();
    }

    private double feedLagSeconds() {
        Instant last = follower.lastContact();
        long since = last.equals(Instant.EPOCH) ? startedAt : last.toEpochMilli();
        return Math.max(0, System.currentTimeMillis() - since) / 1000.0;
    }

    /** Reads the queue gauges: two indexed queries per platform, whatever the queue's size. */
    void refreshQueue() {
        Map<Platform, Long> depth = new EnumMap<>(Platform.class);
        Map<Platform, Double> oldest = new EnumMap<>(Platform.class);
        db.inTransaction(c -> {
            long now = System.currentTimeMillis();
            java.sql.Timestamp nowTs = new java.sql.Timestamp(now);
            // Waiting in batches: the recipients whose answers are not recorded yet.
            try (var st = c.prepareStatement("select platform, sum(recipients - answered_count), min(case when status = 'QUEUED' then created_at end) "
                    + "from delivery_batch where status in ('QUEUED', 'CLAIMED') group by platform");
                 var rs = st.executeQuery()) {
                while (rs.next()) {
                    Platform p = platform(rs.getString(1));
                    if (p != null) {
                        depth.merge(p, rs.getLong(2), Long::sum);
                        java.sql.Timestamp t = rs.getTimestamp(3);
                        if (t != null) {
                            oldest.merge(p, Math.max(0, now - t.getTime()) / 1000.0, Math::max);
                        }
                    }
                }
            }
            // Waiting with rows of their own: retries (due now or later), released and re-queued rows, rows being sent.
            try (var st = c.prepareStatement("select platform, count(*), min(case when status = 'QUEUED' and next_attempt_at <= ? then next_attempt_at end) "
                    + "from delivery where status in ('QUEUED', 'CLAIMED') group by platform")) {
                st.setTimestamp(1, nowTs);
                try (var rs = st.executeQuery()) {
                    while (rs.next()) {
                        Platform p = platform(rs.getString(1));
                        if (p != null) {
                            depth.merge(p, rs.getLong(2), Long::sum);
                            java.sql.Timestamp t = rs.getTimestamp(3);
                            if (t != null) {
                                oldest.merge(p, Math.max(0, now - t.getTime()) / 1000.0, Math::max);
                            }
                        }
                    }
                }
            }
            return null;
        });
        queue = new QueueSnapshot(depth, oldest);
    }

    /** Gives the answers waiting for their notification's acceptance time their latency (one query). */
    void flushLatencies() {
        List<Answer> batch = new ArrayList<>();
        for (Answer a; batch.size() < 10_000 && (a = pending.poll()) != null; ) {
            pendingSize.decrementAndGet();
            batch.add(a);
        }
        if (batch.isEmpty()) {
            return;
        }
        List<String> unknown = new ArrayList<>();
        for (Answer a : batch) {
            if (acceptedAt.getIfPresent(a.notificationId()) == null && !unknown.contains(a.notificationId())) {
                unknown.add(a.notificationId());
            }
        }
        Map<String, Long> found = new HashMap<>();
        for (int from = 0; from < unknown.size(); from += 500) {
            List<String> page = unknown.subList(from, Math.min(unknown.size(), from + 500));
            db.inTransaction(c -> {
                try (var st = c.prepareStatement("select id, created_at from notification where id in ("
                        + String.join(",", java.util.Collections.nCopies(page.size(), "?")) + ")")) {
                    for (int i = 0; i < page.size(); i++) {
                        st.setString(i + 1, page.get(i));
                    }
                    try (var rs = st.executeQuery()) {
                        while (rs.next()) {
                            found.put(rs.getString(1), rs.getTimestamp(2).getTime());
                        }
                    }
                }
                return null;
            });
        }
        acceptedAt.putAll(found);
        for (Answer a : batch) {
            Long accepted = acceptedAt.getIfPresent(a.notificationId());
            if (accepted != null) {
                latency.get(a.platform()).update(Duration.ofMillis(Math.max(0, a.answeredAt() - accepted)));
            }
        }
    }

    private static Platform platform(String name) {
        try {
            return Platform.valueOf(name);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Tag platformTag(Platform p) {
        return new Tag("platform", p.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static Metadata meta(String name, String description, String unit) {
        return Metadata.builder().withName(name).withDescription(description).withUnit(unit).build();
    }
}
