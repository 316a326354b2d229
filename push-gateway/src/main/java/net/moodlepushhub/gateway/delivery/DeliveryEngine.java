package net.moodlepushhub.gateway.delivery;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.GatewaySettings;
import net.moodlepushhub.gateway.keys.RevocationRegistry;
import net.moodlepushhub.gateway.keys.SiteReinstated;
import net.moodlepushhub.gateway.provider.PushProvider;
import net.moodlepushhub.gateway.provider.RetryPolicy;
import net.moodlepushhub.gateway.provider.SendOutcome;
import net.moodlepushhub.gateway.tokens.DeviceTokens;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves deliveries from the durable queue to the push services and records what they answered.
 *
 * <p>Three threads: the <em>claimer</em> takes due deliveries from the database in batches (woken at once
 * when a notification is accepted) and hands them to the providers, with a bound on sends in flight; the
 * <em>recorder</em> writes the answers back in batches; <em>maintenance</em> returns deliveries whose lease
 * ran out (an instance died) to the queue and purges stale unconfirmed tokens. A delivery is only ever
 * marked delivered after the push service accepted it, so a crash loses nothing; what it may cost is a
 * repeat of the few sends whose answers had not been recorded yet (see README, "Delivery guarantees").</p>
 */
@ApplicationScoped
public class DeliveryEngine {

    private static final Logger LOG = Logger.getLogger(DeliveryEngine.class.getName());

    /** Deliveries claimed per database round trip. */
    static final int CLAIM_BATCH = 1000;
    /** Sends in flight across all providers. */
    static final int MAX_IN_FLIGHT = 4000;

    @Inject
    DeliveryStore store;

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

    private final BlockingQueue<DeliveryStore.Result> results = new LinkedBlockingQueue<>();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private final Object wake = new Object();
    private final Map<String, NotificationMessage> messages = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, NotificationMessage> eldest) {
            return size() > 10_000;
        }
    });
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;
    private volatile boolean poked;
    private RetryPolicy retryPolicy;

    /** Starts the worker threads. */
    public synchronized void start() {
        if (running) {
            return;
        }
        retryPolicy = new RetryPolicy(settings.retryBase(), settings.retryCap(), settings.maxAttempts());
        running = true;
        workers.add(start("delivery-claimer", this::claimLoop));
        workers.add(start("delivery-recorder", this::recordLoop));
        workers.add(start("delivery-maintenance", this::maintenanceLoop));
    }

    @PreDestroy
    synchronized void stop() {
        running = false;
        workers.forEach(Thread::interrupt);
        // Record what already came back so it is not sent again after the restart.
        List<DeliveryStore.Result> rest = new ArrayList<>();
        results.drainTo(rest);
        try {
            store.record(rest);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not record " + rest.size() + " results at shutdown; their leases will expire", e);
        }
    }

    /** Wakes the claimer: new deliveries are waiting. */
    public void poke() {
        synchronized (wake) {
            poked = true;
            wake.notifyAll();
        }
    }

    /** @return sends currently waiting for a push service's answer */
    public int inFlight() {
        return MAX_IN_FLIGHT - inFlight.availablePermits();
    }

    void onReinstated(@Observes SiteReinstated event) {
        int released = store.releaseHeld(event.siteId());
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

    private void claimLoop() {
        List<Delivery> batch = store.claim(CLAIM_BATCH, settings.lease());
        if (batch.isEmpty()) {
            synchronized (wake) {
                if (!poked) {
                    try {
                        wake.wait(250);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        running = false;
                    }
                }
                poked = false;
            }
            return;
        }
        Set<String> missing = new HashSet<>();
        for (Delivery d : batch) {
            if (!messages.containsKey(d.notificationId())) {
                missing.add(d.notificationId());
            }
        }
        if (!missing.isEmpty()) {
            messages.putAll(store.messages(missing));
        }
        for (Delivery d : batch) {
            dispatch(d, messages.get(d.notificationId()));
        }
    }

    private void dispatch(Delivery d, NotificationMessage message) {
        RevocationRegistry.SiteState state = revocations.siteState(d.siteId());
        if (state == RevocationRegistry.SiteState.SUSPENDED) {
            results.add(new DeliveryStore.Held(d));
            return;
        }
        if (state == RevocationRegistry.SiteState.REVOKED) {
            results.add(new DeliveryStore.Failed(d, "site-revoked"));
            return;
        }
        if (message == null) {
            results.add(new DeliveryStore.Failed(d, "notification-missing"));
            return;
        }
        PushProvider provider = providers.get(d.platform());
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return;
        }
        try {
            provider.send(message.toPush(d.idempotencyKey(), d.token(), d.platform())).whenComplete((outcome, error) -> {
                inFlight.release();
                results.add(error != null ? retryOrFail(d, "internal: " + error.getClass().getSimpleName(), null) : map(d, outcome));
            });
        } catch (RuntimeException e) {
            inFlight.release();
            results.add(retryOrFail(d, "internal: " + e.getClass().getSimpleName(), null));
        }
    }

    private DeliveryStore.Result map(Delivery d, SendOutcome outcome) {
        if (outcome instanceof SendOutcome.Delivered) {
            return new DeliveryStore.Delivered(d);
        }
        if (outcome instanceof SendOutcome.InvalidToken invalid) {
            return new DeliveryStore.InvalidToken(d, invalid.reason());
        }
        if (outcome instanceof SendOutcome.Retryable retry) {
            return retryOrFail(d, retry.reason(), retry.retryAfter());
        }
        return new DeliveryStore.Failed(d, ((SendOutcome.Failed) outcome).reason());
    }

    private DeliveryStore.Result retryOrFail(Delivery d, String reason, Duration retryAfter) {
        Optional<Duration> delay = retryPolicy.nextDelay(d.attempts() + 1, retryAfter);
        if (delay.isPresent()) {
            return new DeliveryStore.Retry(d, Instant.now().plus(delay.get()), reason);
        }
        return new DeliveryStore.Failed(d, "gave up after " + (d.attempts() + 1) + " attempts: " + reason);
    }

    private void recordLoop() {
        List<DeliveryStore.Result> batch = new ArrayList<>();
        try {
            DeliveryStore.Result first = results.poll(250, TimeUnit.MILLISECONDS);
            if (first == null) {
                return;
            }
            batch.add(first);
            // Gather a little more so answers are written in batches, not one transaction each (waiting, not
            // spinning: on a small machine a spinning recorder takes the CPU the senders need).
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            while (batch.size() < 2000) {
                results.drainTo(batch, 2000 - batch.size());
                long left = until - System.nanoTime();
                if (batch.size() >= 2000 || left <= 0) {
                    break;
                }
                DeliveryStore.Result next = results.poll(left, TimeUnit.NANOSECONDS);
                if (next == null) {
                    break;
                }
                batch.add(next);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        try {
            store.record(batch);
        } catch (RuntimeException e) {
            // Keep the answers: put them back and try again, so nothing accepted is sent twice needlessly.
            results.addAll(batch);
            throw e;
        }
    }

    private void maintenanceLoop() {
        sleep(5000);
        int requeued = store.requeueExpiredLeases();
        if (requeued > 0) {
            LOG.info(() -> requeued + " deliveries whose lease expired were queued again");
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
