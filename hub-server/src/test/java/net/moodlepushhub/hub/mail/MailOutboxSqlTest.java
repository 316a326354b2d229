package net.moodlepushhub.hub.mail;

import com.zaxxer.hikari.HikariDataSource;
import net.moodlepushhub.db.Database;
import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.db.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox's claim query on both databases the hub runs on (the embedded H2 in MariaDB mode that {@code ./run}
 * uses, and the real MariaDB): a second instance claiming at the same time skips the rows the first holds
 * instead of waiting for them or taking them too, and a leased row is not claimed again.
 */
class MailOutboxSqlTest {

    static final String MARIADB = System.getProperty("it.db.server", "jdbc:mariadb://127.0.0.1:3306/");

    @Test
    void twoInstancesClaimDisjointRowsOnH2(@TempDir Path dir) throws Exception {
        try (HikariDataSource ds = Database.open(new DatabaseSettings("", "", "", dir, "hub", 3))) {
            Database.migrate(ds, Schema.HUB);
            claimsAreDisjoint(ds);
        }
    }

    @Test
    void twoInstancesClaimDisjointRowsOnMariaDb() throws Exception {
        String db = "mph_mail_sql_" + Long.toHexString(System.nanoTime());
        try (Connection admin = DriverManager.getConnection(MARIADB, "root", ""); Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + db + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
        try (HikariDataSource ds = Database.open(new DatabaseSettings(MARIADB + db, "root", "", Path.of("unused"), "test", 3))) {
            Database.migrate(ds, Schema.HUB);
            claimsAreDisjoint(ds);
        } finally {
            try (Connection admin = DriverManager.getConnection(MARIADB, "root", ""); Statement st = admin.createStatement()) {
                st.execute("DROP DATABASE " + db);
            }
        }
    }

    private static void claimsAreDisjoint(HikariDataSource ds) throws Exception {
        Timestamp past = Timestamp.from(Instant.now().minusSeconds(60));
        Timestamp future = Timestamp.from(Instant.now().plusSeconds(3600));
        try (Connection c = ds.getConnection();
             PreparedStatement st = c.prepareStatement("insert into mail_outbox (kind, recipient, site_id, fold_key, vars, events, status,"
                     + " created_at, slot_at, next_attempt_at, attempts) values ('REGISTERED', 'a@example.org', null, ?, '', 1, ?, ?, ?, ?, 0)")) {
            Object[][] rows = {{"pending", past}, {"pending", past}, {"pending", past}, {"pending", future}, {"sent", past}};
            for (int i = 0; i < rows.length; i++) {
                st.setString(1, "k" + i);
                st.setString(2, (String) rows[i][0]);
                st.setTimestamp(3, past);
                st.setTimestamp(4, (Timestamp) rows[i][1]);
                st.setTimestamp(5, (Timestamp) rows[i][1]);
                st.executeUpdate();
            }
        }
        List<Long> all = new ArrayList<>();
        try (Connection first = ds.getConnection(); Connection second = ds.getConnection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            List<Long> a = claimAndLease(first, 2);
            // At the same time: MariaDB hands the second instance the row the first did not lock; H2 locks every
            // row the query matched and hands it none. Either way it never gets the first instance's rows.
            List<Long> b = claimAndLease(second, 10);
            assertThat(a).hasSize(2);
            assertThat(b).hasSizeLessThanOrEqualTo(1).doesNotContainAnyElementsOf(a);
            first.commit();
            second.commit();
            all.addAll(a);
            all.addAll(b);
        }
        try (Connection third = ds.getConnection()) {
            third.setAutoCommit(false);
            all.addAll(claimAndLease(third, 10));
            third.commit();
        }
        // Every due pending row exactly once (not the future one, not the sent one), leased rows not again.
        assertThat(all).hasSize(3).doesNotHaveDuplicates();
    }

    /** What {@link MailOutbox#claim} does: the claim query, then a lease on what it returned, in one transaction. */
    private static List<Long> claimAndLease(Connection c, int limit) throws Exception {
        List<Long> ids = claim(c, limit);
        try (PreparedStatement st = c.prepareStatement("update mail_outbox set claim_token = 't', next_attempt_at = ? where id = ?")) {
            for (long id : ids) {
                st.setTimestamp(1, Timestamp.from(Instant.now().plusSeconds(600)));
                st.setLong(2, id);
                st.executeUpdate();
            }
        }
        return ids;
    }

    private static List<Long> claim(Connection c, int limit) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement(MailOutbox.CLAIM_SQL)) {
            st.setTimestamp(1, Timestamp.from(Instant.now()));
            st.setInt(2, limit);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }
}
