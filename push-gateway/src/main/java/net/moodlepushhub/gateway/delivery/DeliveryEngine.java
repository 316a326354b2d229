package net.moodlepushhub.gateway.delivery;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.GatewaySettings;
import net.moodlepushhub.gateway.apns.ApnsProvider;
import net.moodlepushhub.gateway.keys.RevocationRegistry;
import net.moodlepushhub.gateway.keys.SiteReinstated;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.PushProvider;
import net.moodlepushhub.gateway.provider.RetryPolicy;
import net.moodlepushhub.gateway.provider.SendOutcome;
import net.moodlepushhub.gateway.tokens.DeviceTokens;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves deliveries from the durable queue to the push services and records what they answered.
 *
 * <p>One <em>lane</em> per platform, each with its own thread and its own bound on sends in flight
 * ({@code gateway.apns.max-in-flight}, {@code gateway.fcm.max-in-flight}; the only flow control there is): the
 * lane claims batches of its platform's recipients (and single recipients due for a retry) from the database,
 * prepares each notification's payload once, and sends while it has room, waiting for room otherwise, so a
 * slow APNs holds up APNs deliveries only, never FCM's, and waiting for room never costs a delivery attempt.
 * The <em>recorder</em> writes the answers back in batches, with each batch's progress;
 * <em>maintenance</em> returns work whose lease ran out (an instance died) to the queue and purges stale
 * unconfirmed tokens. A delivery is only ever marked delivered after the push service accepted it, so a crash
 * loses nothing; what it may cost is a repeat of the sends whose answers had not been recorded yet: at most
 * the sends in flight plus the answers waiting for the recorder (see README, "Delivery guarantees").</p>
 */
@ApplicationScoped
public class DeliveryEngine {

    private static final Logger LOG = Logger.getLogger(DeliveryEngine.class.getName());

    /** Batches claimed per database round trip (each up to {@link NotificationWrites#BATCH_SIZE} recipients). */
    static final int CLAIM_BATCHES = 2;
    /** Single recipients (retries) claimed per round trip. */
    static final int CLAIM_ROWS = 1000;
    /** How often a lane that is busy with batches looks for single recipients due for a retry. */
    static final long ROW_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** How often maintenance runs (renewing this instance's leases, returning dead instances' work), at most. */
    static final Duration MAINTENANCE_EVERY = Duration.ofSeconds(5);
    /** How often the expander looks for broadcasts accepted by another instance, when not woken by this one. */
    static final long EXPANSION_POLL_MILLIS = 500;
    /** When a send refused by local back-pressure is tried again. */
    static final Duration DEFER = Duration.ofSeconds(1);

    @Inject
    DeliveryQueue queue;

    @Inject
    NotificationWrites writes;

    @Inject
    Providers providers;

    @Inject
    GatewaySettings settings;

    @Inject
    RevocationRegistry revocations;

    @Inject
    DeviceTokens tokens;

    @Resource
    ManagedThreadFactory threads;

    @Inject
    net.moodlepushhub.gateway.metrics.GatewayMetrics metrics = net.moodlepushhub.gateway.metrics.GatewayMetrics.disabled();

    /** Most answers written in one transaction. */
    static final int RECORD_BATCH = 2000;
    /** How long answers gather before they are written when fewer than a batch wait, in milliseconds. */
    static final long RECORD_GATHER_MILLIS = 20;

    private final AnswerBuffer results = new AnswerBuffer(RECORD_BATCH, RECORD_GATHER_MILLIS);
    /** Each batch this instance claimed and has not finished: its answered positions, updated by the recorder only. */
    private final Map<DeliveryQueue.BatchKey, DeliveryQueue.BatchState> claimedBatches = new ConcurrentHashMap<>();
    /** Notifications with their payloads prepared, by id: a notification is prepared once, not per recipient. */
    private final Cache<String, PreparedNotification> prepared = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterAccess(Duration.ofMinutes(10)).build();
    private final Map<Platform, Lane> lanes = new EnumMap<>(Platform.class);
    private final List<Thread> workers = new ArrayList<>();
    private final Object expansionWake = new Object();
    private boolean expansionPoked;
    private volatile boolean running;
    private RetryPolicy retryPolicy;
    /** This instance's claims, renewed by maintenance while it holds them (see {@link DeliveryQueue#renewLeases}). */
    private final String claimId = UUID.randomUUID().toString();

    /** One platform's sending: its bound on sends in flight and its wake-up signal. */
    private static final class Lane {
        final Platform platform;
        final InFlightBound permits;
        final Object wake = new Object();
        boolean poked;
        long nextRowCheck;

        Lane(Platform platform, int max) {
            this.platform = platform;
            this.permits = new InFlightBound(max);
        }
    }

    /** A notification's message and, per platform, its payload prepared by that platform's provider. */
    private final class PreparedNotification {
        final NotificationMessage message;
        final Map<Platform, PushProvider.Prepared> byPlatform = new ConcurrentHashMap<>();

        PreparedNotification(NotificationMessage message) {
            this.message = message;
        }

        PushProvider.Prepared on(Platform platform) {
            return byPlatform.computeIfAbsent(platform, p -> providers.get(p).prepare(message.toPush("prepared", "prepared", p)));
        }
    }

    /** Starts the worker threads. */
    public synchronized void start() {
        if (running) {
            return;
        }
        retryPolicy = new RetryPolicy(settings.retryBase(), settings.retryCap(), settings.maxAttempts());
        running = true;
        for (Platform p : Platform.values()) {
            Lane lane = new Lane(p, providers.maxInFlight(p));
            lanes.put(p, lane);
            workers.add(start("delivery-" + p.name().toLowerCase(), () -> laneLoop(lane)));
        }
        workers.add(start("delivery-recorder", this::recordLoop));
        workers.add(start("delivery-expander", this::expandLoop));
        workers.add(start("delivery-maintenance", this::maintenanceLoop));
    }

    @PreDestroy
    synchronized void stop() {
        running = false;
        workers.forEach(Thread::interrupt);
        // Record what already came back so it is not sent again after the restart.
        List<DeliveryQueue.Result> rest = results.drain(Integer.MAX_VALUE);
        try {
            record(rest);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not record " + rest.size() + " results at shutdown; their leases will expire", e);
        }
    }

    /** Wakes the lanes (new deliveries are waiting) and the expander (a broadcast may wait for its recipients). */
    public void poke() {
        synchronized (expansionWake) {
            expansionPoked = true;
            expansionWake.notifyAll();
        }
        wakeLanes();
    }

    private void wakeLanes() {
        for (Lane lane : lanes.values()) {
            synchronized (lane.wake) {
                lane.poked = true;
                lane.wake.notifyAll();
            }
        }
    }

    /** @return sends currently waiting for a push service's answer */
    public int inFlight() {
        int n = 0;
        for (Lane lane : lanes.values()) {
            n += lane.permits.inFlight();
        }
        return n;
    }

    void onReinstated(@Observes SiteReinstated event) {
        int released = queue.releaseHeld(event.siteId());
        if (released > 0) {
            LOG.info(() -> "Site " + event.siteId() + " reinstated: " + released + " held deliveries released");
            poke();
        }
    }

    private Thread start(String name, Runnable loop) {
        Thread t = threads.newThread(() -> {
            while (running) {
                try {
                    loop.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, name + " failed; retrying in a second", e);
                    sleep(1000);
                }
            }
        });
        t.setName(name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Writes accepted broadcasts' recipients, a chunk at a time, waking the lanes after each so that sending
     * starts with the first chunk. Broadcasts accepted by other instances are found by polling.
     */
    private void expandLoop() {
        if (writes.expandNextChunk()) {
            wakeLanes();
            return;
        }
        synchronized (expansionWake) {
            if (!expansionPoked) {
                try {
                    expansionWake.wait(EXPANSION_POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
            expansionPoked = false;
        }
    }

    private void laneLoop(Lane lane) {
        List<Delivery> work = new ArrayList<>();
        long now = System.nanoTime();
        if (now - lane.nextRowCheck >= 0) {
            work.addAll(queue.claimRows(lane.platform, CLAIM_ROWS, claimId, settings.lease()));
            lane.nextRowCheck = work.size() == CLAIM_ROWS ? now : now + ROW_CHECK_NANOS;
        }
        for (DeliveryQueue.ClaimedBatch b : queue.claimBatches(lane.platform, CLAIM_BATCHES, claimId, settings.lease())) {
            claimedBatches.put(b.key(), new DeliveryQueue.BatchState(b.size(), b.answered()));
            work.addAll(b.recipients());
        }
        if (work.isEmpty()) {
            synchronized (lane.wake) {
                if (!lane.poked) {
                    try {
                        lane.wake.wait(250);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        running = false;
                    }
                }
                lane.poked = false;
            }
            // Nothing claimed: look for retries at once next time.
            lane.nextRowCheck = System.nanoTime();
            return;
        }
        Set<String> missing = new HashSet<>();
        for (Delivery d : work) {
            if (prepared.getIfPresent(d.notificationId()) == null) {
                missing.add(d.notificationId());
            }
        }
        if (!missing.isEmpty()) {
            writes.messages(missing).forEach((id, message) -> prepared.put(id, new PreparedNotification(message)));
        }
        for (Delivery d : work) {
            if (!dispatch(lane, d, prepared.getIfPresent(d.notificationId()))) {
                return;
            }
        }
    }

    /** @return false when interrupted (shutting down) */
    private boolean dispatch(Lane lane, Delivery d, PreparedNotification notification) {
        RevocationRegistry.SiteState state = revocations.siteState(d.siteId());
        if (state == RevocationRegistry.SiteState.SUSPENDED) {
            results.add(new DeliveryQueue.Held(d));
            return true;
        }
        if (state == RevocationRegistry.SiteState.REVOKED) {
            results.add(new DeliveryQueue.Failed(d, "site-revoked"));
            return true;
        }
        if (notification == null) {
            results.add(new DeliveryQueue.Failed(d, "notification-missing"));
            return true;
        }
        try {
            // Back-pressure: wait for room on this platform only; waiting costs no attempt.
            lane.permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return false;
        }
        try {
            notification.on(d.platform()).send(d.idempotencyKey(), d.token()).whenComplete((outcome, error) -> {
                lane.permits.release();
                metrics.pushAnswered(d.platform(), d.notificationId(), outcome, error);
                results.add(error != null ? retryOrFail(d, "internal: " + error.getClass().getSimpleName(), null) : map(d, outcome));
            });
        } catch (RuntimeException e) {
            lane.permits.release();
            metrics.pushAnswered(d.platform(), d.notificationId(), null, e);
            results.add(retryOrFail(d, "internal: " + e.getClass().getSimpleName(), null));
        }
        return true;
    }

    private DeliveryQueue.Result map(Delivery d, SendOutcome outcome) {
        if (outcome instanceof SendOutcome.Delivered) {
            return new DeliveryQueue.Delivered(d);
        }
        if (outcome instanceof SendOutcome.InvalidToken invalid) {
            return new DeliveryQueue.InvalidToken(d, invalid.reason());
        }
        if (outcome instanceof SendOutcome.Retryable retry) {
            if (ApnsProvider.IN_FLIGHT_LIMIT.equals(retry.reason())) {
                // Refused by a bound of our own, not by the push service: not an attempt.
                return new DeliveryQueue.Deferred(d, Instant.now().plus(DEFER));
            }
            return retryOrFail(d, retry.reason(), retry.retryAfter());
        }
        return new DeliveryQueue.Failed(d, ((SendOutcome.Failed) outcome).reason());
    }

    private DeliveryQueue.Result retryOrFail(Delivery d, String reason, Duration retryAfter) {
        Optional<Duration> delay = retryPolicy.nextDelay(d.attempts() + 1, retryAfter);
        if (delay.isPresent()) {
            return new DeliveryQueue.Retry(d, Instant.now().plus(delay.get()), reason);
        }
        return new DeliveryQueue.Failed(d, "gave up after " + (d.attempts() + 1) + " attempts: " + reason);
    }

    private void recordLoop() {
        List<DeliveryQueue.Result> batch;
        try {
            // Waiting, not spinning: on a small machine a spinning recorder takes the CPU the senders need.
            batch = results.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return;
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            record(batch);
        } catch (RuntimeException e) {
            // Keep the answers: put them back and try again, so nothing accepted is sent twice needlessly.
            results.addAll(batch);
            throw e;
        }
    }

    /** Records answers, and with them the progress of the batches they belong to. */
    private void record(List<DeliveryQueue.Result> batch) {
        DeliveryQueue.Recorded recorded = queue.record(claimId, batch, claimedBatches);
        metrics.deliveriesRecorded(batch);
        if (!recorded.lost().isEmpty()) {
            LOG.warning(() -> "Batches " + recorded.lost() + " were claimed by another instance after this one's lease ran out: their answers here are dropped, the other instance sends what is unanswered");
            recorded.lost().forEach(claimedBatches::remove);
        }
        recorded.progress().forEach((k, state) -> {
            if (state.complete()) {
                claimedBatches.remove(k);
            } else {
                claimedBatches.put(k, state);
            }
        });
    }

    private void maintenanceLoop() {
        // Often enough that a lease is renewed at least twice before it could run out.
        sleep(Math.max(100, Math.min(MAINTENANCE_EVERY.toMillis(), settings.lease().toMillis() / 3)));
        queue.renewLeases(claimId, settings.lease());
        int requeued = queue.requeueExpiredLeases();
        if (requeued > 0) {
            LOG.info(() -> requeued + " batches and deliveries whose lease expired were queued again");
            poke();
        }
        int purged = tokens.purgeUnconfirmed();
        if (purged > 0) {
            LOG.fine(() -> purged + " unconfirmed device tokens purged");
        }
        revocations.forgetExpired();
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
