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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue's SQL on both databases the gateway runs on (embedded H2 in MariaDB mode, as {@code ./run} uses,
 * and the machine's MariaDB): recipients are cut into batches of at most 1,000 of one platform that hold them, a
 * batch is claimed once, answered recipients are not claimed again after a lease expires, any answer but
 * "delivered" moves a recipient out of its batch into a row of its own, and a site reads each recipient's state
 * from wherever it is.
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
            assertThat(f.count("select count(*) from delivery")).as("a recipient waiting in its batch has no row").isZero();

            List<Delivery> apns = f.claim(Platform.APNS, GW);
            assertThat(apns).hasSize(1700).allMatch(d -> d.platform() == Platform.APNS && d.id() == 0);
            assertThat(apns.stream().map(Delivery::batch).distinct()).hasSize(2);
            assertThat(f.claim(Platform.APNS, GW)).as("claimed once").isEmpty();
            List<Delivery> fcm = f.claim(Platform.FCM, GW);
            assertThat(fcm).hasSize(800);

            // Half the first APNs batch answered (one to retry), then the instance dies.
            DeliveryQueue.BatchKey first = apns.get(0).batch();
            List<Delivery> ofFirst = apns.stream().filter(d -> d.batch().equals(first)).toList();
            List<DeliveryQueue.Result> answers = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                answers.add(i == 0 ? new DeliveryQueue.Retry(ofFirst.get(i), Instant.now().minusSeconds(1), "TooManyRequests")
                        : new DeliveryQueue.Delivered(ofFirst.get(i)));
            }
            f.record(answers);
            f.expireLeases();
            assertThat(f.queue.requeueExpiredLeases()).isEqualTo(3);

            List<Delivery> again = f.claim(Platform.APNS, "gateway-2");
            assertThat(again).hasSize(1700 - 500);
            Set<Long> answered = new HashSet<>();
            answers.forEach(r -> answered.add(r.delivery().recipient()));
            assertThat(again).noneMatch(d -> answered.contains(d.recipient()));

            // The retry is claimed on its own row, outside its batch, with the attempt counted.
            List<Delivery> retries = f.queue.claimRows(Platform.APNS, 10, GW, Duration.ofMinutes(1));
            assertThat(retries).singleElement().satisfies(d -> {
                assertThat(d.recipient()).isEqualTo(ofFirst.get(0).recipient());
                assertThat(d.id()).isPositive();
                assertThat(d.batchSeq()).isNull();
                assertThat(d.attempts()).isEqualTo(1);
            });

            // Deferred: queued again without an attempt.
            f.record(List.of(new DeliveryQueue.Deferred(retries.get(0), Instant.now().minusSeconds(1))));
            assertThat(f.queue.claimRows(Platform.APNS, 10, GW, Duration.ofMinutes(1))).singleElement().satisfies(d -> assertThat(d.attempts()).isEqualTo(1));

            // The first instance was alive after all: its late answers for the batch it lost are not recorded.
            DeliveryQueue.Recorded late = f.record(GW, List.of(new DeliveryQueue.Failed(ofFirst.get(700), "late")));
            assertThat(late.lost()).containsExactly(first);
            assertThat(f.count("select count(*) from delivery where notification_id = 'b1' and recipient = " + ofFirst.get(700).recipient())).isZero();

            // The new holder's last answers finish the batch: it is done, with its deliveries counted.
            List<DeliveryQueue.Result> rest = new ArrayList<>();
            again.stream().filter(d -> d.batch().equals(first)).forEach(d -> rest.add(new DeliveryQueue.Delivered(d)));
            assertThat(f.record("gateway-2", rest).lost()).isEmpty();
            assertThat(f.count("select count(*) from delivery_batch where notification_id = 'b1' and status <> 'DONE'")).isEqualTo(2);
            assertThat(f.count("select delivered from delivery_batch where notification_id = 'b1' and seq = " + first.seq())).isEqualTo(ofFirst.size() - 1);
            assertThat(f.count("select answered_count from delivery_batch where notification_id = 'b1' and seq = " + first.seq())).isEqualTo(ofFirst.size());
            assertThat(f.count("select count(*) from delivery where notification_id = 'b1'")).as("only the retried recipient has a row").isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aSendRequestIsOneBatchPerPlatform(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            f.send("s1", 1000, i -> i % 2 == 0 ? Platform.APNS : Platform.FCM);
            assertThat(f.count("select count(*) from delivery where notification_id = 's1'")).isZero();
            assertThat(f.count("select count(*) from delivery_batch where notification_id = 's1'")).isEqualTo(2);
            assertThat(f.count("select sum(recipients) from delivery_batch where notification_id = 's1'")).isEqualTo(1000);
            assertThat(f.claim(Platform.FCM, GW)).hasSize(500).allMatch(d -> d.recipient() % 2 == 1 && d.token().equals("t" + d.recipient()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aBroadcastIsWrittenChunkByChunkToTheDevicesRegisteredWhenItWasAccepted(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            int devices = 2 * NotificationWrites.EXPANSION_CHUNK + 345;
            Map<String, Platform> platforms = new HashMap<>();
            for (int i = 0; i < devices; i++) {
                Platform p = i % 3 == 0 ? Platform.FCM : Platform.APNS;
                f.token("site", "tok-" + i, p);
                platforms.put("tok-" + i, p);
            }
            f.token("other-site", "theirs", Platform.APNS);
            assertThat(f.writes.acceptBroadcast("b1", "site", "default", true, MESSAGE)).isEqualTo(devices);
            assertThat(f.count("select count(*) from delivery_batch")).as("nothing written before the answer but the audience").isZero();
            f.token("site", "registered-later", Platform.APNS);

            assertThat(f.writes.expandNextChunk()).isTrue();
            assertThat(f.count("select sum(recipients) from delivery_batch where notification_id = 'b1'")).isEqualTo(NotificationWrites.EXPANSION_CHUNK);
            assertThat(f.claim(Platform.APNS, 1, GW)).as("sending starts with the first chunk").hasSize(1000);

            // The instance dies; another continues where the last committed chunk left off.
            NotificationWrites other = new NotificationWrites();
            other.db = f.db;
            while (other.expandNextChunk()) {
                // chunk by chunk
            }
            List<String> tokens = new ArrayList<>();
            Set<Long> recipients = new HashSet<>();
            f.batches("b1").forEach((platform, targets) -> {
                assertThat(targets).hasSizeLessThanOrEqualTo(NotificationWrites.BATCH_SIZE);
                assertThat(targets).as("a batch is one platform's").allMatch(t -> platforms.get(t.token()) == platform.platform());
                targets.forEach(t -> {
                    tokens.add(t.token());
                    recipients.add(t.recipient());
                });
            });
            assertThat(tokens).as("every device once").hasSize(devices).doesNotHaveDuplicates().doesNotContain("registered-later", "theirs");
            assertThat(recipients).hasSize(devices);
            assertThat(f.count("select sum(recipients) from delivery_batch where notification_id = 'b1'")).isEqualTo(devices);
            assertThat(f.count("select recipients from notification where id = 'b1'")).isEqualTo(devices);
            assertThat(f.count("select count(*) from broadcast_expansion")).isZero();
            assertThat(f.writes.expandNextChunk()).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void answersOfEveryKindInterleavedMarkEachRecipientWithItsOwn(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            f.send("s1", 1000, i -> Platform.APNS);
            List<Delivery> claimed = f.claim(Platform.APNS, GW);
            // Answers of every kind, out of order, recorded in two transactions.
            List<DeliveryQueue.Result> answers = new ArrayList<>();
            List<Delivery> outOfOrder = new ArrayList<>(claimed);
            java.util.Collections.reverse(outOfOrder);
            for (Delivery d : outOfOrder) {
                long r = d.recipient();
                answers.add(r % 7 == 3 ? new DeliveryQueue.Failed(d, "BadTopic")
                        : r % 11 == 5 ? new DeliveryQueue.Held(d)
                        : r % 13 == 0 ? new DeliveryQueue.Retry(d, Instant.now().plusSeconds(60), "TooManyRequests")
                        : r % 17 == 2 ? new DeliveryQueue.InvalidToken(d, "BadDeviceToken")
                        : new DeliveryQueue.Delivered(d));
            }
            f.record(answers.subList(0, 400));
            assertThat(f.count("select count(*) from delivery_batch where notification_id = 's1' and status = 'CLAIMED' and answered_count = 400"))
                    .as("a batch part-answered is still held").isEqualTo(1);
            f.record(answers.subList(400, answers.size()));
            long delivered = answers.stream().filter(a -> a instanceof DeliveryQueue.Delivered).count();
            for (DeliveryQueue.Result a : answers) {
                String expected = a instanceof DeliveryQueue.Failed ? "FAILED"
                        : a instanceof DeliveryQueue.Held ? "HELD"
                        : a instanceof DeliveryQueue.Retry ? "QUEUED"
                        : a instanceof DeliveryQueue.InvalidToken ? "INVALID_TOKEN"
                        : null;
                assertThat(f.count("select count(*) from delivery where notification_id = 's1' and recipient = " + a.delivery().recipient()
                        + (expected == null ? "" : " and status = '" + expected + "'")))
                        .as("recipient %d", a.delivery().recipient()).isEqualTo(expected == null ? 0 : 1);
            }
            assertThat(f.count("select delivered from delivery_batch where notification_id = 's1'")).isEqualTo(delivered);
            assertThat(f.count("select count(*) from delivery_batch where notification_id = 's1' and status = 'DONE' and answered_count = 1000")).isEqualTo(1);
            assertThat(f.count("select count(*) from invalidated_token")).isEqualTo(answers.stream().filter(a -> a instanceof DeliveryQueue.InvalidToken).count());

            // What the site reads: every recipient once, each in its state, from its batch or its row.
            DeliveryReadModel read = new DeliveryReadModel();
            read.db = f.db;
            DeliveryReadModel.NotificationState state = read.notificationState("site", "s1");
            assertThat(state.counts()).containsEntry("delivered", delivered)
                    .containsEntry("queued", answers.stream().filter(a -> a instanceof DeliveryQueue.Retry).count());
            assertThat(state.counts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1000);
            assertThat(state.deliveries()).hasSize(1000).extracting(DeliveryReadModel.RecipientState::recipient).doesNotHaveDuplicates().isSorted();
            for (DeliveryReadModel.RecipientState r : state.deliveries()) {
                DeliveryQueue.Result a = answers.stream().filter(x -> x.delivery().recipient() == r.recipient()).findFirst().orElseThrow();
                assertThat(r.status()).as("recipient %d", r.recipient()).isEqualTo(a instanceof DeliveryQueue.Delivered ? "delivered"
                        : a instanceof DeliveryQueue.Failed ? "failed" : a instanceof DeliveryQueue.Held ? "held"
                        : a instanceof DeliveryQueue.Retry ? "queued" : "invalid_token");
                assertThat(r.deliveryId() == null).isEqualTo(a instanceof DeliveryQueue.Delivered);
            }
            assertThat(read.bySiteAndStatus("site", DeliveryStatus.DELIVERED, 1000)).hasSize((int) delivered).allMatch(r -> r.status().equals("delivered"));
            assertThat(read.bySiteAndStatus("site", DeliveryStatus.DELIVERED, 10)).hasSize(10);
            assertThat(read.bySiteAndStatus("site", DeliveryStatus.FAILED, 1000)).hasSize((int) answers.stream().filter(a -> a instanceof DeliveryQueue.Failed).count());
            assertThat(read.bySiteAndStatus("site", DeliveryStatus.QUEUED, 1000)).hasSize((int) answers.stream().filter(a -> a instanceof DeliveryQueue.Retry).count());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void aSiteReadsItsWaitingRecipientsFromTheirBatches(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir)) {
            f.send("s1", 1500, i -> i < 1200 ? Platform.APNS : Platform.FCM);
            List<Delivery> apns = f.claim(Platform.APNS, 1, GW);
            f.record(apns.subList(0, 100).stream().<DeliveryQueue.Result>map(DeliveryQueue.Delivered::new).toList());

            DeliveryReadModel read = new DeliveryReadModel();
            read.db = f.db;
            DeliveryReadModel.NotificationState state = read.notificationState("site", "s1");
            assertThat(state.counts()).containsEntry("delivered", 100L).containsEntry("queued", 1400L);
            assertThat(state.deliveries()).hasSize(1000).extracting(DeliveryReadModel.RecipientState::recipient).isSorted();
            assertThat(state.deliveries().get(0).recipient()).isZero();
            assertThat(read.bySiteAndStatus("site", DeliveryStatus.QUEUED, 1000)).hasSize(1000).allMatch(r -> r.status().equals("queued"));
            assertThat(read.bySiteAndStatus("site", DeliveryStatus.DELIVERED, 1000)).hasSize(100);
            assertThat(read.notificationState("other-site", "s1")).as("a site sees only its own").isNull();
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
            List<Delivery> held = f.claim(Platform.APNS, GW);
            assertThat(held).hasSize(1500);
            // One recipient answered with a retry, claimed on its own row by the same instance.
            f.record(List.of(new DeliveryQueue.Retry(held.get(0), Instant.now().minusSeconds(1), "TooManyRequests")));
            assertThat(f.queue.claimRows(Platform.APNS, 10, GW, Duration.ofMinutes(1))).hasSize(1);

            // The sends take longer than the lease (a slow push service, a database outage): the instance is alive
            // and renews, so nothing it holds is returned to the queue.
            f.expireLeases();
            assertThat(f.queue.renewLeases("gateway-2", Duration.ofMinutes(1))).as("another instance's renewal").isZero();
            assertThat(f.queue.renewLeases(GW, Duration.ofMinutes(1))).as("two batches and one row renewed").isEqualTo(3);
            assertThat(f.queue.requeueExpiredLeases()).isZero();
            assertThat(f.claim(Platform.APNS, "gateway-2")).isEmpty();
            assertThat(f.queue.claimRows(Platform.APNS, 10, "gateway-2", Duration.ofMinutes(1))).isEmpty();

            // Once it stops renewing (it died), its work goes back to the queue.
            f.expireLeases();
            assertThat(f.queue.requeueExpiredLeases()).isEqualTo(3);
            assertThat(f.claim(Platform.APNS, "gateway-2")).hasSize(1499);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void anUpgradeKeepsWorkQueuedUnderTheOldSchemaAsRowsOfTheirOwn(String kind, @TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(kind, dir, "6.1")) {
            // Schema 6: a recipient was a delivery row in a batch; one batch queued, one claimed by an instance that died.
            f.db.inTransaction(c -> {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("insert into notification (id, site_id, kind, channel, message, recipients, created_at) values ('old', 'site', 'send', null, '{\"alert\":\"Hello\"}', 3, current_timestamp)");
                    st.executeUpdate("insert into delivery (notification_id, recipient, site_id, token, platform, status, attempts, next_attempt_at, updated_at, batch_seq) values "
                            + "('old', 0, 'site', 't0', 'APNS', 'QUEUED', 0, current_timestamp, current_timestamp, 0), "
                            + "('old', 1, 'site', 't1', 'FCM', 'QUEUED', 0, current_timestamp, current_timestamp, 1), "
                            + "('old', 2, 'site', 't2', 'APNS', 'DELIVERED', 1, current_timestamp, current_timestamp, 0)");
                    st.executeUpdate("update delivery set status = 'CLAIMED', claim_id = 'dead', lease_until = current_timestamp where recipient = 1");
                    st.executeUpdate("insert into delivery_batch (notification_id, seq, site_id, platform, recipients, status, created_at) values "
                            + "('old', 0, 'site', 'APNS', 2, 'QUEUED', current_timestamp), ('old', 1, 'site', 'FCM', 1, 'CLAIMED', current_timestamp)");
                    return null;
                }
            });
            Database.migrate(f.ds, Schema.GATEWAY);

            assertThat(f.count("select count(*) from delivery_batch")).isZero();
            assertThat(f.claim(Platform.APNS, GW)).isEmpty();
            assertThat(f.queue.claimRows(Platform.APNS, 10, GW, Duration.ofMinutes(1))).singleElement()
                    .satisfies(d -> assertThat(d.token()).isEqualTo("t0"));
            assertThat(f.queue.claimRows(Platform.FCM, 10, GW, Duration.ofMinutes(1))).as("the dead instance's claim too").singleElement()
                    .satisfies(d -> assertThat(d.token()).isEqualTo("t1"));
            assertThat(f.count("select count(*) from delivery where status = 'DELIVERED'")).isEqualTo(1);
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
            this(kind, dir, null);
        }

        /** @param upTo the last migration to apply ("6.1"), or null for all */
        Fixture(String kind, Path dir, String upTo) throws Exception {
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
            if (upTo == null) {
                Database.migrate(ds, Schema.GATEWAY);
            } else {
                org.flywaydb.core.Flyway.configure(Database.class.getClassLoader()).dataSource(ds)
                        .locations("classpath:" + Schema.GATEWAY.location()).table("schema_history").target(upTo).load().migrate();
            }
            db = GatewayDatabaseAccess.of(ds);
            writes.db = db;
            queue.db = db;
        }

        /** Batch states as the claiming instance keeps them (as DeliveryEngine does). */
        final Map<DeliveryQueue.BatchKey, DeliveryQueue.BatchState> held = new HashMap<>();

        List<Delivery> claim(Platform platform, String claimId) {
            return claim(platform, 5, claimId);
        }

        List<Delivery> claim(Platform platform, int batches, String claimId) {
            List<Delivery> out = new ArrayList<>();
            for (DeliveryQueue.ClaimedBatch b : queue.claimBatches(platform, batches, claimId, Duration.ofMinutes(1))) {
                held.put(b.key(), new DeliveryQueue.BatchState(b.size(), b.answered()));
                out.addAll(b.recipients());
            }
            return out;
        }

        void record(List<DeliveryQueue.Result> results) {
            record(GW, results);
        }

        DeliveryQueue.Recorded record(String claimId, List<DeliveryQueue.Result> results) {
            DeliveryQueue.Recorded recorded = queue.record(claimId, results, held);
            held.putAll(recorded.progress());
            return recorded;
        }

        /** Stores a send to {@code n} recipients "t0", "t1"... of site "site". */
        void send(String id, int n, java.util.function.IntFunction<Platform> platform) {
            List<NotificationWrites.Target> targets = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                targets.add(new NotificationWrites.Target(i, "t" + i, platform.apply(i)));
            }
            db.inTransaction(c -> {
                writes.insertNotification(c, id, "site", "send", null, MESSAGE, targets);
                return null;
            });
        }

        /** A notification's batches as stored: key and platform, and their recipients. */
        record StoredBatch(int seq, Platform platform) {
        }

        Map<StoredBatch, List<BatchTargets.Target>> batches(String notificationId) {
            return db.inTransaction(c -> {
                Map<StoredBatch, List<BatchTargets.Target>> out = new HashMap<>();
                try (PreparedStatement st = c.prepareStatement("select seq, platform, targets from delivery_batch where notification_id = ?")) {
                    st.setString(1, notificationId);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            out.put(new StoredBatch(rs.getInt(1), Platform.valueOf(rs.getString(2))), BatchTargets.decode(rs.getBytes(3)));
                        }
                    }
                }
                return out;
            });
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
