package net.moodlepushhub.db;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Applies every migration to both supported databases: the embedded H2 default and the real MariaDB the
 * machine runs (database {@code mph_db_test}, recreated here), then applies them again to prove a restart
 * changes nothing.
 */
class MigrationsTest {

    static final String MARIADB = System.getProperty("it.db.server", "jdbc:mariadb://127.0.0.1:3306/");

    @Test
    void migratesEmbeddedDefault(@TempDir Path dir) throws Exception {
        for (Schema schema : Schema.values()) {
            DatabaseSettings settings = new DatabaseSettings("", "", "", dir, schema.name().toLowerCase(), 2);
            try (HikariDataSource ds = Database.open(settings)) {
                assertThat(Database.migrate(ds, schema)).isPositive();
                assertThat(Database.migrate(ds, schema)).isZero();
                assertThat(tableCount(ds.getConnection())).isGreaterThan(1);
            }
        }
    }

    @Test
    void migratesMariaDb() throws Exception {
        for (Schema schema : Schema.values()) {
            // A fresh database per run, so concurrent builds on one machine do not collide.
            String db = "mph_db_test_" + schema.name().toLowerCase() + "_" + Long.toHexString(System.nanoTime());
            try (Connection admin = DriverManager.getConnection(MARIADB, "root", "");
                 Statement st = admin.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + db);
                st.execute("CREATE DATABASE " + db + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            }
            DatabaseSettings settings = new DatabaseSettings(MARIADB + db, "root", "", Path.of("unused"), "test", 2);
            try (HikariDataSource ds = Database.open(settings)) {
                assertThat(Database.migrate(ds, schema)).isPositive();
                assertThat(Database.migrate(ds, schema)).isZero();
                assertThat(tableCount(ds.getConnection())).isGreaterThan(1);
            }
            try (Connection admin = DriverManager.getConnection(MARIADB, "root", "");
                 Statement st = admin.createStatement()) {
                st.execute("DROP DATABASE " + db);
            }
        }
    }

    private static int tableCount(Connection c) throws Exception {
        try (c; ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[]{"TABLE"})) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        }
    }
}
