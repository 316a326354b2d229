package net.moodlepushhub.gateway.delivery;

import org.awaitility.Awaitility;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import net.moodlepushhub.gateway.GatewaySettings;
import net.moodlepushhub.gateway.apns.ApnsProvider;
import net.moodlepushhub.gateway.keys.RevocationRegistry;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.Priority;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.PushProvider;
import net.moodlepushhub.gateway.provider.SendOutcome;
import net.moodlepushhub.gateway.tokens.DeviceTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery engine's flow control, with its real lanes and threads and the queue and push services played
 * in memory: a push service that stops answering holds up its own platform only, and a send refused by the
 * gateway's own bound is deferred without counting as an attempt.
 */
class DeliveryEngineTest {

    private DeliveryEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.stop();
        }
    }

    @Test
    void anApnsThatStopsAnsweringDoesNotHoldUpFcm() throws Exception {
        MemoryQueue queue = new MemoryQueue();
        for (int i = 0; i < 50; i++) {
            queue.add(delivery(i, Platform.APNS));
            queue.add(delivery(100 + i, Platform.FCM));
        }
        AtomicInteger apnsSent = new AtomicInteger();
        PushProvider silentApns = provider(Platform.APNS, m -> {
            apnsSent.incrementAndGet();
            return new CompletableFuture<>(); // never answered
        });
        PushProvider fcm = provider(Platform.FCM, m -> CompletableFuture.completedFuture(new SendOutcome.Delivered("ok")));
        engine = engine(queue, Map.of(Platform.APNS, silentApns, Platform.FCM, fcm), Map.of(Platform.APNS, 5, Platform.FCM, 5));

        engine.start();
        engine.poke();

        await(() -> queue.recorded(DeliveryQueue.Delivered.class) == 50);
        assertThat(queue.recordedFor(Platform.FCM)).hasSize(50).allMatch(r -> r instanceof DeliveryQueue.Delivered);
        // APNs got exactly its bound, and no more: the rest wait, unsent and unanswered, not failed.
        assertThat(apnsSent).hasValue(5);
        assertThat(queue.recordedFor(Platform.APNS)).isEmpty();
        assertThat(engine.inFlight()).isEqualTo(5);
    }

    @Test
    void aSendRefusedByTheGatewaysOwnBoundIsDeferredWithoutAnAttempt() throws Exception {
        MemoryQueue queue = new MemoryQueue();
        queue.add(delivery(1, Platform.APNS));
        queue.add(delivery(2, Platform.APNS));
        PushProvider apns = provider(Platform.APNS, m -> CompletableFuture.completedFuture(m.token().endsWith("1")
                ? new SendOutcome.Retryable(ApnsProvider.IN_FLIGHT_LIMIT, null)
                : new SendOutcome.Retryable("TooManyRequests", null)));
        PushProvider fcm = provider(Platform.FCM, m -> CompletableFuture.completedFuture(new SendOutcome.Delivered("ok")));
        engine = engine(queue, Map.of(Platform.APNS, apns, Platform.FCM, fcm), Map.of(Platform.APNS, 10, Platform.FCM, 10));

        engine.start();
        engine.poke();

        await(() -> queue.recordedFor(Platform.APNS).size() == 2);
        List<DeliveryQueue.Result> results = queue.recordedFor(Platform.APNS);
        assertThat(results).filteredOn(r -> r.delivery().recipient() == 1).singleElement().isInstanceOf(DeliveryQueue.Deferred.class);
        // APNs itself refusing is an attempt, retried by the policy.
        assertThat(results).filteredOn(r -> r.delivery().recipient() == 2).singleElement().isInstanceOf(DeliveryQueue.Retry.class);
    }

    @Test
    void aBatchIsDoneWithTheLastAnswerOfItsRecipients() throws Exception {
        MemoryQueue queue = new MemoryQueue();
        for (int i = 0; i < 30; i++) {
            queue.add(delivery(i, Platform.FCM));
        }
        PushProvider fcm = provider(Platform.FCM, m -> CompletableFuture.completedFuture(new SendOutcome.Delivered("ok")));
        engine = engine(queue, Map.of(Platform.APNS, fcm, Platform.FCM, fcm), Map.of(Platform.APNS, 10, Platform.FCM, 10));

        engine.start();
        engine.poke();

        await(() -> queue.completed.size() == 1);
        assertThat(queue.completed).containsExactly(new DeliveryQueue.BatchKey("n", 1));
        assertThat(queue.recorded(DeliveryQueue.Delivered.class)).isEqualTo(30);
    }

    // ---------------------------------------------------------------- in-memory peers

    private static Delivery delivery(long id, Platform platform) {
        return Delivery.inBatch(new DeliveryQueue.BatchKey("n", NotificationWrites.seq(0, platform)), (int) id, id, "site", "token-" + id, platform);
    }

    interface Send {
        CompletableFuture<SendOutcome> apply(PushMessage m);
    }

    private static PushProvider provider(Platform platform, Send send) {
        return new PushProvider() {
            @Override
            public Platform platform() {
                return platform;
            }

            @Override
            public CompletableFuture<SendOutcome> send(PushMessage message) {
                return send.apply(message);
            }

            @Override
            public void close() {
            }
        };
    }

    /** The queue in memory: one batch per platform, answers kept. */
    static final class MemoryQueue extends DeliveryQueue {
        final Map<Platform, List<Delivery>> pending = new EnumMap<>(Platform.class);
        final List<DeliveryQueue.Result> results = new CopyOnWriteArrayList<>();
        final List<DeliveryQueue.BatchKey> completed = new CopyOnWriteArrayList<>();

        synchronized void add(Delivery d) {
            pending.computeIfAbsent(d.platform(), p -> new ArrayList<>()).add(d);
        }

        @Override
        public synchronized List<ClaimedBatch> claimBatches(Platform platform, int batches, String claimId, Duration lease) {
            List<Delivery> out = pending.remove(platform);
            if (out == null || out.isEmpty()) {
                return List.of();
            }
            // Positions in the batch are the deliveries' ids (see delivery()): size is one more than the highest.
            int size = out.stream().mapToInt(Delivery::batchIndex).max().orElseThrow() + 1;
            return List.of(new ClaimedBatch(out.get(0).batch(), size, new java.util.BitSet(), out));
        }

        @Override
        public List<Delivery> claimRows(Platform platform, int limit, String claimId, Duration lease) {
            return List.of();
        }

        @Override
        public Recorded record(String claimId, List<Result> batch, Map<BatchKey, BatchState> before) {
            Map<BatchKey, BatchState> after = progress(batch, before);
            results.addAll(batch);
            after.forEach((k, state) -> {
                if (state.complete()) {
                    completed.add(k);
                }
            });
            return new Recorded(after, java.util.Set.of());
        }

        @Override
        public int requeueExpiredLeases() {
            return 0;
        }

        @Override
        public int renewLeases(String claimId, Duration lease) {
            return 0;
        }

        long recorded(Class<?> type) {
            return results.stream().filter(type::isInstance).count();
        }

        List<DeliveryQueue.Result> recordedFor(Platform platform) {
            return results.stream().filter(r -> r.delivery().platform() == platform).toList();
        }
    }

    private static DeliveryEngine engine(MemoryQueue queue, Map<Platform, PushProvider> byPlatform, Map<Platform, Integer> bounds) {
        DeliveryEngine e = new DeliveryEngine();
        e.queue = queue;
        e.writes = new NotificationWrites() {
            @Override
            public Map<String, NotificationMessage> messages(Collection<String> ids) {
                return Map.of("n", new NotificationMessage("Hello", "Moodle", null, null, null, Priority.HIGH, null, null));
            }

            @Override
            public boolean expandNextChunk() {
                return false; // no broadcasts here
            }
        };
        e.providers = new Providers() {
            @Override
            public PushProvider get(Platform platform) {
                return byPlatform.get(platform);
            }

            @Override
            public int maxInFlight(Platform platform) {
                return bounds.get(platform);
            }
        };
        e.settings = new GatewaySettings() {
            @Override
            public Duration retryBase() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Duration retryCap() {
                return Duration.ofMinutes(1);
            }

            @Override
            public int maxAttempts() {
                return 5;
            }

            @Override
            public Duration lease() {
                return Duration.ofMinutes(1);
            }
        };
        e.revocations = new RevocationRegistry();
        e.tokens = new DeviceTokens() {
            @Override
            public int purgeUnconfirmed() {
                return 0;
            }
        };
        e.threads = new ManagedThreadFactory() {
            @Override
            public Thread newThread(Runnable r) {
                return new Thread(r);
            }

            @Override
            public ForkJoinWorkerThread newThread(ForkJoinPool pool) {
                throw new UnsupportedOperationException();
            }
        };
        return e;
    }

    private static void await(BooleanSupplier condition) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
    }
}
