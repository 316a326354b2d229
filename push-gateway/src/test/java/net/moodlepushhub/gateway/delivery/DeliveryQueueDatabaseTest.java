package net.moodlepushhub.gateway.delivery;

import com.zaxxer.hikari.HikariDataSource;
import net.moodlepushhub.db.Database;
import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.db.Schema;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.persistence.GatewayDatabaseAccess;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.Priority;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue's SQL on both databases the gateway runs on (embedded H2 in MariaDB mode, as {@code ./run} uses,
 * and the machine's MariaDB): recipients are cut into batches of at most 1,000 of one platform, a batch is
 * claimed once, answered recipients are not claimed again after a lease expires, retries leave their batch.
 */
class DeliveryQueueDatabaseTest {

    static final String MARIADB = System.getProperty("it.db.server", "jdbc:mariadb://127.0.0.1:3306/");
    /** The claiming instance. */
    static final String GW = "gateway-1";
    static final NotificationMessage MESSAGE = new NotificationMessage("Hello", null, null, null, null, Priority.HIGH, null, null);

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void batchesAreClaimedOnceAndOnlyUnansweredRecipientsComeBack(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            // A broadcast to 2,500 devices: 1,700 APNs, 800 FCM -> APNs batches of 1,000 + 700, one FCM batch.
            for (int i = 0; i < 2500; i++) {
                f.token("site", "tok-" + i, i % 25 < 17 ? Platform.APNS : Platform.FCM);
            }
            int recipients = f.broadcast("b1");
            assertThat(recipients).isEqualTo(2500);
            assertThat(f.count("select count(*) from delivery_batch where notification_id = 'b1'")).isEqualTo(3);

            List<Delivery> apns = f.queue.claimBatches(Platform.APNS, 5, GW, Duration.ofMinutes(1));
            assertThat(apns).hasSize(1700).allMatch(d -> d.platform() == Platform.APNS);
            assertThat(apns.stream().map(Delivery::batch).distinct()).hasSize(2);
            assertThat(f.queue.claimBatches(Platform.APNS, 5, GW, Duration.ofMinutes(1))).as("claimed once").isEmpty();
            List<Delivery> fcm = f.queue.claimBatches(Platform.FCM, 5, GW, Duration.ofMinutes(1));
            assertThat(fcm).hasSize(800);

            // Half the first APNs batch answered (one to retry), then the instance dies.
            DeliveryQueue.BatchKey first = apns.get(0).batch();
            List<Delivery> ofFirst = apns.stream().filter(d -> d.batch().equals(first)).toList();
            List<DeliveryQueue.Result> answers = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                answers.add(i == 0 ? new DeliveryQueue.Retry(ofFirst.get(i), Instant.now().minusSeconds(1), "TooManyRequests")
                        : new DeliveryQueue.Delivered(ofFirst.get(i)));
            }
            f.queue.record(answers, List.of());
            f.expireLeases();
            assertThat(f.queue.requeueExpiredLeases()).isEqualTo(3);

            List<Delivery> again = f.queue.claimBatches(Platform.APNS, 5, GW, Duration.ofMinutes(1));
            assertThat(again).hasSize(1700 - 500);
            Set<Long> answered = new HashSet<>();
            answers.forEach(r -> answered.add(r.delivery().id()));
            assertThat(again).noneMatch(d -> answered.contains(d.id()));

            // The retry is claimed on its own, outside its batch, with the attempt counted.
            List<Delivery> retries = f.queue.claimRows(Platform.APNS, 10, GW, Duration.ofMinutes(1));
            assertThat(retries).singleElement().satisfies(d -> {
                assertThat(d.id()).isEqualTo(ofFirst.get(0).id());
                assertThat(d.batchSeq()).isNull();
                assertThat(d.attempts()).isEqualTo(1);
            });

            // Deferred: queued again without an attempt.
            f.queue.record(List.of(new DeliveryQueue.Deferred(retries.get(0), Instant.now().minusSeconds(1))), List.of());
            assertThat(f.queue.claimRows(Platform.APNS, 10, GW, Duration.ofMinutes(1))).singleElement().satisfies(d -> assertThat(d.attempts()).isEqualTo(1));

            // The last answers delete their batch.
            List<DeliveryQueue.Result> rest = new ArrayList<>();
            again.stream().filter(d -> d.batch().equals(first)).forEach(d -> rest.add(new DeliveryQueue.Delivered(d)));
            f.queue.record(rest, List.of(first));
            assertThat(f.count("select count(*) from delivery_batch where notification_id = 'b1'")).isEqualTo(2);
            assertThat(f.count("select count(*) from delivery where notification_id = 'b1' and status = 'DELIVERED'")).isEqualTo(ofFirst.size() - 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aSendRequestIsOneBatchPerPlatform(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            List<NotificationWrites.Target> targets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                targets.add(new NotificationWrites.Target(i, "t" + i, i % 2 == 0 ? Platform.APNS : Platform.FCM));
            }
            f.db.inTransaction(c -> {
                f.writes.insertNotification(c, "s1", "site", "send", null, MESSAGE, targets);
                return null;
            });
            assertThat(f.count("select count(*) from delivery where notification_id = 's1'")).isEqualTo(1000);
            assertThat(f.count("select count(*) from delivery_batch where notification_id = 's1'")).isEqualTo(2);
            assertThat(f.queue.claimBatches(Platform.FCM, 5, GW, Duration.ofMinutes(1))).hasSize(500).allMatch(d -> d.recipient() % 2 == 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aBroadcastIsWrittenChunkByChunkToTheDevicesRegisteredWhenItWasAccepted(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            int devices = 2 * NotificationWrites.EXPANSION_CHUNK + 345;
            for (int i = 0; i < devices; i++) {
                f.token("site", "tok-" + i, i % 3 == 0 ? Platform.FCM : Platform.APNS);
            }
            f.token("other-site", "theirs", Platform.APNS);
            assertThat(f.writes.acceptBroadcast("b1", "site", "default", true, MESSAGE)).isEqualTo(devices);
            assertThat(f.count("select count(*) from delivery")).as("nothing written before the answer but the audience").isZero();
            f.token("site", "registered-later", Platform.APNS);

            assertThat(f.writes.expandNextChunk()).isTrue();
            assertThat(f.count("select count(*) from delivery where notification_id = 'b1'")).isEqualTo(NotificationWrites.EXPANSION_CHUNK);
            assertThat(f.queue.claimBatches(Platform.APNS, 1, GW, Duration.ofMinutes(1))).as("sending starts with the first chunk").hasSize(1000);

            // The instance dies; another continues where the last committed chunk left off.
            NotificationWrites other = new NotificationWrites();
            other.db = f.db;
            while (other.expandNextChunk()) {
                // chunk by chunk
            }
            assertThat(f.count("select count(*) from delivery where notification_id = 'b1'")).isEqualTo(devices);
            assertThat(f.count("select count(distinct recipient) from delivery where notification_id = 'b1'")).isEqualTo(devices);
            assertThat(f.count("select count(*) from delivery where token in ('registered-later', 'theirs')")).isZero();
            assertThat(f.count("select sum(recipients) from delivery_batch where notification_id = 'b1'")).isEqualTo(devices);
            assertThat(f.count("select max(recipients) from delivery_batch")).isLessThanOrEqualTo(NotificationWrites.BATCH_SIZE);
            assertThat(f.count("select count(*) from (select batch_seq from delivery group by batch_seq having count(distinct platform) > 1) x"))
                    .as("a batch is one platform's").isZero();
            assertThat(f.count("select recipients from notification where id = 'b1'")).isEqualTo(devices);
            assertThat(f.count("select count(*) from broadcast_expansion")).isZero();
            assertThat(f.writes.expandNextChunk()).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void answersOfEveryKindInterleavedMarkEachRecipientWithItsOwn(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            List<NotificationWrites.Target> targets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                targets.add(new NotificationWrites.Target(i, "t" + i, Platform.APNS));
            }
            f.db.inTransaction(c -> {
                f.writes.insertNotification(c, "s1", "site", "send", null, MESSAGE, targets);
                return null;
            });
            List<Delivery> claimed = f.queue.claimBatches(Platform.APNS, 5, GW, Duration.ofMinutes(1));
            // Delivered recipients recorded as id ranges: runs broken by every other kind of answer, and ids
            // out of order, must still mark exactly the delivered ones.
            List<DeliveryQueue.Result> answers = new ArrayList<>();
            List<Delivery> outOfOrder = new ArrayList<>(claimed);
            java.util.Collections.reverse(outOfOrder);
            for (Delivery d : outOfOrder) {
                long r = d.recipient();
                answers.add(r % 7 == 3 ? new DeliveryQueue.Failed(d, "BadTopic")
                        : r % 11 == 5 ? new DeliveryQueue.Held(d)
                        : r % 13 == 0 ? new DeliveryQueue.Retry(d, Instant.now().plusSeconds(60), "TooManyRequests")
                        : new DeliveryQueue.Delivered(d));
            }
            f.queue.record(answers, List.of(claimed.get(0).batch()));
            for (DeliveryQueue.Result a : answers) {
                String expected = a instanceof DeliveryQueue.Failed ? "FAILED"
                        : a instanceof DeliveryQueue.Held ? "HELD"
                        : a instanceof DeliveryQueue.Retry ? "QUEUED"
                        : "DELIVERED";
                assertThat(f.count("select count(*) from delivery where id = " + a.delivery().id() + " and status = '" + expected + "'"))
                        .as("recipient %d", a.delivery().recipient()).isEqualTo(1);
            }
            assertThat(f.count("select count(*) from delivery where status = 'DELIVERED'"))
                    .isEqualTo(answers.stream().filter(a -> a instanceof DeliveryQueue.Delivered).count());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aLiveInstanceRenewsItsLeasesSoWhatItStillHoldsIsNotHandedToAnother(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            for (int i = 0; i < 1500; i++) {
                f.token("site", "tok-" + i, Platform.APNS);
            }
            f.broadcast("b1");
            List<Delivery> held = f.queue.claimBatches(Platform.APNS, 5, GW, Duration.ofMinutes(1));
            assertThat(held).hasSize(1500);
            // One recipient answered with a retry, claimed on its own row by the same instance.
            f.queue.record(List.of(new DeliveryQueue.Retry(held.get(0), Instant.now().minusSeconds(1), "TooManyRequests")), List.of());
            assertThat(f.queue.claimRows(Platform.APNS, 10, GW, Duration.ofMinutes(1))).hasSize(1);

            // The sends take longer than the lease (a slow push service, a database outage): the instance is alive
            // and renews, so nothing it holds is returned to the queue.
            f.expireLeases();
            assertThat(f.queue.renewLeases("gateway-2", Duration.ofMinutes(1))).as("another instance's renewal").isZero();
            assertThat(f.queue.renewLeases(GW, Duration.ofMinutes(1))).as("two batches and one row renewed").isEqualTo(3);
            assertThat(f.queue.requeueExpiredLeases()).isZero();
            assertThat(f.queue.claimBatches(Platform.APNS, 5, "gateway-2", Duration.ofMinutes(1))).isEmpty();
            assertThat(f.queue.claimRows(Platform.APNS, 10, "gateway-2", Duration.ofMinutes(1))).isEmpty();

            // Once it stops renewing (it died), its work goes back to the queue.
            f.expireLeases();
            assertThat(f.queue.requeueExpiredLeases()).isEqualTo(3);
            assertThat(f.queue.claimBatches(Platform.APNS, 5, "gateway-2", Duration.ofMinutes(1))).hasSize(1499);
        }
    }

    /** A fresh, migrated gateway database of one kind. */
    static final class Fixture implements AutoCloseable {
        final HikariDataSource ds;
        final GatewayDatabase db;
        final NotificationWrites writes = new NotificationWrites();
        final DeliveryQueue queue = new DeliveryQueue();
        final String mariaDb;

        Fixture(String kind, Path dir) throws Exception {
            if (kind.equals("h2")) {
                mariaDb = null;
                ds = Database.open(new DatabaseSettings("", "", "", dir, "gateway", 4));
            } else {
                mariaDb = "mph_gw_queue_test_" + Long.toHexString(System.nanoTime());
                try (Connection admin = DriverManager.getConnection(MARIADB, "root", ""); Statement st = admin.createStatement()) {
                    st.execute("CREATE DATABASE " + mariaDb + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
                }
                ds = Database.open(new DatabaseSettings(MARIADB + mariaDb, "root", "", dir, "gateway", 4));
            }
            Database.migrate(ds, Schema.GATEWAY);
            db = GatewayDatabaseAccess.of(ds);
            writes.db = db;
            queue.db = db;
        }

        void token(String site, String token, Platform platform) {
            db.inTransaction(c -> {
                try (PreparedStatement st = c.prepareStatement("insert into device_token (site_id, token, platform, device, confirmed, created_at) values (?, ?, ?, 'x', true, ?)")) {
                    st.setString(1, site);
                    st.setString(2, token);
                    st.setString(3, platform.name());
                    st.setTimestamp(4, Timestamp.from(Instant.now()));
                    return st.executeUpdate();
                }
            });
        }

        /** Accepts a broadcast to every device of "site" and writes its recipients, as the expander does. */
        int broadcast(String id) {
            int accepted = writes.acceptBroadcast(id, "site", "default", true, MESSAGE);
            while (writes.expandNextChunk()) {
                // chunk by chunk
            }
            return accepted;
        }

        long count(String sql) {
            return db.inTransaction(c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        }

        void expireLeases() {
            db.inTransaction(c -> {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("update delivery_batch set lease_until = '2000-01-01 00:00:00' where status = 'CLAIMED'");
                    st.executeUpdate("update delivery set lease_until = '2000-01-01 00:00:00' where status = 'CLAIMED'");
                    return null;
                }
            });
        }

        @Override
        public void close() throws Exception {
            ds.close();
            if (mariaDb != null) {
                try (Connection admin = DriverManager.getConnection(MARIADB, "root", ""); Statement st = admin.createStatement()) {
                    st.execute("DROP DATABASE " + mariaDb);
                }
            }
        }
    }
}
