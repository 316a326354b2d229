package net.moodlepushhub.gateway.delivery;

import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.gateway.keys.Caller;
import net.moodlepushhub.gateway.keys.RevocationRegistry;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.quota.Limit;
import net.moodlepushhub.gateway.quota.RateLimiter;
import net.moodlepushhub.gateway.quota.SiteLimits;
import net.moodlepushhub.gateway.quota.UserQuotaAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Accepting notifications, on its own without HTTP: the real {@link NotificationService} and queue SQL on the
 * embedded database, the real rate limiter (per instance), the per-site limits given by the test. What a request
 * is refused for writes nothing; what it is accepted for is stored, recipient by recipient, before the answer.
 */
class NotificationServiceTest {

    static final String SITE = "site-1";
    static final Caller CALLER = new Caller(SITE, "https://moodle.example", AccessKeyKind.SITE, Set.of("send", "broadcast"), "jti", Instant.now().plusSeconds(3600));
    static final NotificationMessage MESSAGE = DeliveryQueueDatabaseTest.MESSAGE;

    @TempDir
    Path dir;

    DeliveryQueueDatabaseTest.Fixture f;
    NotificationService service;
    final AtomicInteger pokes = new AtomicInteger();
    final AtomicLong perMinute = new AtomicLong(10_000);

    @BeforeEach
    void open() throws Exception {
        f = new DeliveryQueueDatabaseTest.Fixture("h2", dir);
        service = new NotificationService();
        service.db = f.db;
        service.store = f.writes;
        service.engine = new DeliveryEngine() {
            @Override
            public void poke() {
                pokes.incrementAndGet();
            }
        };
        service.limiter = new RateLimiter();
        service.limits = new SiteLimits() {
            @Override
            public Limit notificationsPerMinute(String siteId) {
                return new Limit("notifications-minute", perMinute.get(), Duration.ofMinutes(1));
            }

            @Override
            public Limit notificationsPerDay(String siteId) {
                return new Limit("notifications-day", 1_000_000, Duration.ofDays(1));
            }

            @Override
            public Limit broadcastsPerDay(String siteId) {
                return new Limit("broadcasts-day", 2, Duration.ofDays(1));
            }
        };
        service.userQuota = UserQuotaAccess.of(new RevocationRegistry());
        f.token(SITE, "apns-1", Platform.APNS);
        f.token(SITE, "fcm-1", Platform.FCM);
        f.token("site-2", "other-site", Platform.APNS);
    }

    @AfterEach
    void close() throws Exception {
        f.close();
    }

    @Test
    void eachRecipientIsAnsweredAndOnlyTheSitesConfirmedTokensAreQueued() {
        NotificationService.Accepted accepted = service.send(CALLER, MESSAGE, List.of("apns-1", "unknown", "apns-1", "other-site", "fcm-1"));

        assertThat(accepted.queued()).isEqualTo(2);
        assertThat(accepted.notificationId()).isNotNull();
        assertThat(accepted.recipients()).extracting(NotificationService.RecipientResult::status)
                .containsExactly("queued", "not_registered", "duplicate", "not_registered", "queued");
        assertThat(accepted.recipients()).extracting(NotificationService.RecipientResult::recipient)
                .containsExactly(0, null, null, null, 4);
        assertThat(f.count("select count(*) from delivery_batch where notification_id = '" + accepted.notificationId() + "'"))
                .as("one batch per platform").isEqualTo(2);
        assertThat(f.count("select sum(recipients) from delivery_batch where notification_id = '" + accepted.notificationId() + "'")).isEqualTo(2);
        assertThat(pokes.get()).as("the engine woken").isEqualTo(1);
    }

    @Test
    void aRequestWithNoReachableRecipientStoresNothingAndHasNoId() {
        NotificationService.Accepted accepted = service.send(CALLER, MESSAGE, List.of("unknown", "other-site"));
        assertThat(accepted.notificationId()).isNull();
        assertThat(accepted.queued()).isZero();
        assertThat(f.count("select count(*) from notification")).isZero();
        assertThat(pokes.get()).isZero();
    }

    @Test
    void refusedRequestsWriteNothing() {
        assertThatThrownBy(() -> service.send(CALLER, MESSAGE, List.of()))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().slug()).isEqualTo("validation-failed"));
        List<String> tooMany = new ArrayList<>(Collections.nCopies(NotificationService.MAX_RECIPIENTS + 1, "apns-1"));
        assertThatThrownBy(() -> service.send(CALLER, MESSAGE, tooMany))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().slug()).isEqualTo("too-many-recipients"));
        // Every recipient counts against the limit, registered or not.
        perMinute.set(3);
        assertThatThrownBy(() -> service.send(CALLER, MESSAGE, List.of("apns-1", "fcm-1", "unknown", "unknown-2")))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(429));
        assertThat(f.count("select count(*) from notification")).isZero();
        assertThat(f.count("select count(*) from delivery_batch")).isZero();
    }

    @Test
    void aSiteOverItsUserQuotaIsRefusedAndNothingIsWritten() {
        RevocationRegistry registry = new RevocationRegistry();
        registry.apply(1, "site", SITE, "over-quota", null);
        service.userQuota = UserQuotaAccess.of(registry);
        assertThatThrownBy(() -> service.send(CALLER, MESSAGE, List.of("apns-1")))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().slug()).isEqualTo("quota-exceeded"));
        assertThatThrownBy(() -> service.broadcast(CALLER, null, MESSAGE))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().slug()).isEqualTo("quota-exceeded"));
        assertThat(f.count("select count(*) from notification")).isZero();
    }

    @Test
    void aBroadcastReachesEveryConfirmedDeviceOfTheSiteAndCountsAgainstTheDailyLimit() {
        NotificationService.Accepted first = service.broadcast(CALLER, null, MESSAGE);
        assertThat(first.queued()).isEqualTo(2);
        // Accepted durably before the answer; its recipients are written by the delivery engine's expander.
        assertThat(f.count("select count(*) from broadcast_expansion where notification_id = '" + first.notificationId() + "'")).isEqualTo(1);
        while (f.writes.expandNextChunk()) {
            // chunk by chunk
        }
        assertThat(f.count("select sum(recipients) from delivery_batch where notification_id = '" + first.notificationId() + "' and site_id = 'site-1'")).isEqualTo(2);
        assertThat(f.count("select count(*) from broadcast_expansion")).isZero();
        assertThat(service.broadcast(CALLER, "", MESSAGE).queued()).as("a blank channel is the default one").isEqualTo(2);
        assertThatThrownBy(() -> service.broadcast(CALLER, null, MESSAGE))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(429));
        assertThat(f.count("select count(*) from notification")).isEqualTo(2);
    }
}
