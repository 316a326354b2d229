package net.moodlepushhub.gateway.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import net.moodlepushhub.common.problem.ProblemException;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayDatabaseTest {

    @Test
    void aDatabaseThatIsDownIsA503WithRetryAfter() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:mariadb://127.0.0.1:" + closedPort + "/gone");
        config.setDriverClassName("org.mariadb.jdbc.Driver");
        config.setConnectionTimeout(250);
        config.setInitializationFailTimeout(-1);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            GatewayDatabase db = new GatewayDatabase(ds);
            assertThatThrownBy(() -> db.inTransaction(c -> 1))
                    .isInstanceOfSatisfying(ProblemException.class, e -> {
                        assertThat(e.problem().status()).isEqualTo(503);
                        assertThat(e.problem().headers()).containsEntry("Retry-After", "5");
                    });
        }
    }

    @Test
    void aDeadlockVictimIsRunAgain() {
        try (HikariDataSource ds = h2()) {
            GatewayDatabase db = new GatewayDatabase(ds);
            AtomicInteger runs = new AtomicInteger();
            int result = db.inTransaction(c -> {
                if (runs.incrementAndGet() < 3) {
                    throw new SQLTransactionRollbackException("Deadlock found when trying to get lock", "40001", 1213);
                }
                return 42;
            });
            assertThat(result).isEqualTo(42);
            assertThat(runs).hasValue(3);
        }
    }

    @Test
    void aDeadlockInsideABatchIsRunAgainToo() {
        try (HikariDataSource ds = h2()) {
            GatewayDatabase db = new GatewayDatabase(ds);
            AtomicInteger runs = new AtomicInteger();
            int result = db.inTransaction(c -> {
                if (runs.incrementAndGet() < 2) {
                    throw new java.sql.BatchUpdateException("batch failed", null, 0, new int[0],
                            new SQLTransactionRollbackException("Deadlock found when trying to get lock", "40001", 1213));
                }
                return 7;
            });
            assertThat(result).isEqualTo(7);
            assertThat(runs).hasValue(2);
        }
    }

    @Test
    void otherFailuresAreNotRetried() {
        try (HikariDataSource ds = h2()) {
            GatewayDatabase db = new GatewayDatabase(ds);
            AtomicInteger runs = new AtomicInteger();
            assertThatThrownBy(() -> db.inTransaction(c -> {
                runs.incrementAndGet();
                throw new SQLException("syntax", "42000", 1064);
            })).isInstanceOf(GatewayDatabase.DatabaseException.class);
            assertThat(runs).hasValue(1);
        }
    }

    private static HikariDataSource h2() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:h2:mem:gwdb-" + System.nanoTime() + ";MODE=MariaDB");
        return new HikariDataSource(config);
    }
}
