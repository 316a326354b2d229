package net.moodlepushhub.gateway.stats;

import com.zaxxer.hikari.HikariDataSource;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import net.moodlepushhub.db.Database;
import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.db.Schema;
import net.moodlepushhub.gateway.persistence.GatewayDatabaseAccess;
import net.moodlepushhub.gateway.stats.DeliveryStatsReporter.Report;
import net.moodlepushhub.gateway.stats.DeliveryStatsReporter.SiteDevices;
import net.moodlepushhub.gateway.stats.DeliveryStatsReporter.SiteHour;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.StringReader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery report's SQL on both databases the gateway runs on (embedded H2 in MariaDB mode and the machine's
 * MariaDB): answered deliveries counted per site and hour by outcome, the queue's depth and oldest due time,
 * confirmed devices per site and platform; and the report cut into request bodies the hub accepts.
 */
class DeliveryStatsReporterTest {

    static final String MARIADB = System.getProperty("it.db.server", "jdbc:mariadb://127.0.0.1:3306/");

    @ParameterizedTest
    @ValueSource(strings = {"h2", "mariadb"})
    void countsEveryOutcomePerSiteAndHourTheQueueAndTheDevices(String kind, @TempDir Path dir) throws Exception {
        String mariaDb = kind.equals("h2") ? null : "mph_gw_stats_test_" + Long.toHexString(System.nanoTime());
        if (mariaDb != null) {
            try (Connection admin = DriverManager.getConnection(MARIADB, "root", ""); Statement st = admin.createStatement()) {
                st.execute("CREATE DATABASE " + mariaDb + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            }
        }
        try (HikariDataSource ds = Database.open(new DatabaseSettings(mariaDb == null ? "" : MARIADB + mariaDb, mariaDb == null ? "" : "root", "", dir, "gateway", 4))) {
            Database.migrate(ds, Schema.GATEWAY);
            DeliveryStatsReporter reporter = new DeliveryStatsReporter();
            reporter.db = GatewayDatabaseAccess.of(ds);
            Instant now = Instant.now();
            Instant hour = now.truncatedTo(ChronoUnit.HOURS);
            Instant previous = hour.minus(Duration.ofHours(1));
            try (Connection c = ds.getConnection()) {
                int n = 0;
                // Site a: this hour 5 delivered, 2 failed, 1 invalid; the hour before 3 delivered.
                n = deliveries(c, n, "site-a", "DELIVERED", 5, hour.plusMillis(1), now);
                n = deliveries(c, n, "site-a", "FAILED", 2, hour.plusMillis(2), now);
                n = deliveries(c, n, "site-a", "INVALID_TOKEN", 1, hour.plusMillis(3), now);
                n = deliveries(c, n, "site-a", "DELIVERED", 3, previous.plusSeconds(10), now);
                // Two hours ago: in neither window.
                n = deliveries(c, n, "site-a", "DELIVERED", 7, previous.minusSeconds(1), now);
                // Site b: 4 delivered this hour; 6 waiting (the oldest due an hour ago), 2 being sent, 1 held.
                n = deliveries(c, n, "site-b", "DELIVERED", 4, hour, now);
                n = deliveries(c, n, "site-b", "QUEUED", 5, hour, now.plusSeconds(60));
                n = deliveries(c, n, "site-b", "QUEUED", 1, hour, now.minus(Duration.ofHours(1)));
                n = deliveries(c, n, "site-b", "CLAIMED", 2, hour, now);
                deliveries(c, n, "site-b", "HELD", 1, hour, now);
                device(c, "site-a", "t1", "ios", true);
                device(c, "site-a", "t2", "iOS", true);
                device(c, "site-a", "t3", "Android-fcm", true);
                device(c, "site-a", "t4", "android-fcm", false);
                device(c, "site-b", "t1", "iOS-fcm", true);
            }

            Report thisHour = reporter.collect(now, false, false);
            assertThat(thisHour.hours()).containsExactlyInAnyOrder(new SiteHour("site-a", hour, 5, 2, 1), new SiteHour("site-b", hour, 4, 0, 0));
            assertThat(thisHour.devices()).isNull();
            assertThat(thisHour.queue().queued()).isEqualTo(6);
            assertThat(thisHour.queue().claimed()).isEqualTo(2);
            assertThat(Duration.between(thisHour.queue().oldestDue(), now.minus(Duration.ofHours(1))).abs()).isLessThan(Duration.ofMillis(1));

            Report both = reporter.collect(now, true, true);
            assertThat(both.hours()).contains(new SiteHour("site-a", previous, 3, 0, 0)).hasSize(3);
            assertThat(both.devices()).containsExactlyInAnyOrder(new SiteDevices("site-a", "ios", 2), new SiteDevices("site-a", "android-fcm", 1),
                    new SiteDevices("site-b", "ios-fcm", 1));
        } finally {
            if (mariaDb != null) {
                try (Connection admin = DriverManager.getConnection(MARIADB, "root", ""); Statement st = admin.createStatement()) {
                    st.execute("DROP DATABASE " + mariaDb);
                }
            }
        }
    }

    @Test
    void aLargeReportIsCutIntoPartsAndOnlyTheFirstCarriesTheQueue() {
        List<SiteHour> hours = new ArrayList<>();
        Instant hour = Instant.parse("2026-11-30T14:00:00Z");
        for (int i = 0; i < 2 * DeliveryStatsReporter.PART + 1; i++) {
            hours.add(new SiteHour("00000000-0000-0000-0000-" + String.format("%012d", i), hour, 123456, 7, 8));
        }
        List<String> bodies = DeliveryStatsReporter.bodies(new Report(hours, List.of(new SiteDevices("s", "ios", 3)),
                new DeliveryStatsReporter.Queue(10, 2, null)));
        assertThat(bodies).hasSize(3).allMatch(b -> b.length() < 64 * 1024);
        JsonObject first = Json.createReader(new StringReader(bodies.get(0))).readObject();
        assertThat(first.getJsonArray("hours")).hasSize(DeliveryStatsReporter.PART);
        assertThat(first.getJsonArray("hours").getJsonObject(0).getString("hour")).isEqualTo("2026-11-30T14:00:00Z");
        assertThat(first.getJsonArray("devices")).hasSize(1);
        assertThat(first.getJsonObject("queue").getInt("queued")).isEqualTo(10);
        assertThat(first.getJsonObject("queue").isNull("oldestDue")).isTrue();
        JsonObject last = Json.createReader(new StringReader(bodies.get(2))).readObject();
        assertThat(last.getJsonArray("hours")).hasSize(1);
        assertThat(last.containsKey("queue")).isFalse();
    }

    private static int deliveries(Connection c, int n, String site, String status, int count, Instant updatedAt, Instant due) throws Exception {
        try (PreparedStatement st = c.prepareStatement("insert into delivery (notification_id, recipient, site_id, token, platform, status, attempts, "
                + "next_attempt_at, updated_at) values (?, ?, ?, ?, 'APNS', ?, 1, ?, ?)")) {
            for (int i = 0; i < count; i++) {
                st.setString(1, "n-" + site);
                st.setLong(2, n + i);
                st.setString(3, site);
                st.setString(4, "tok-" + (n + i));
                st.setString(5, status);
                st.setTimestamp(6, Timestamp.from(due));
                st.setTimestamp(7, Timestamp.from(updatedAt));
                st.addBatch();
            }
            st.executeBatch();
        }
        return n + count;
    }

    private static void device(Connection c, String site, String token, String device, boolean confirmed) throws Exception {
        try (PreparedStatement st = c.prepareStatement("insert into device_token (site_id, token, platform, device, confirmed, created_at) values (?, ?, 'APNS', ?, ?, ?)")) {
            st.setString(1, site);
            st.setString(2, token);
            st.setString(3, device);
            st.setBoolean(4, confirmed);
            st.setTimestamp(5, Timestamp.from(Instant.now()));
            st.executeUpdate();
        }
    }
}
