package net.moodlepushhub.gateway.persistence;

import com.zaxxer.hikari.HikariDataSource;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import net.moodlepushhub.common.config.DatabaseConfig;
import net.moodlepushhub.db.Database;
import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.db.Schema;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Logger;

/**
 * The gateway's database: a pool on MariaDB (or the embedded default) with the gateway schema migrated.
 *
 * <p>The gateway uses plain JDBC rather than JPA: its hot path is batch inserts and batch status updates of
 * per-recipient deliveries (a 100,000-device broadcast is one {@code INSERT ... SELECT}), which an ORM would
 * only slow down.</p>
 */
@ApplicationScoped
public class GatewayDatabase {

    private static final Logger LOG = Logger.getLogger(GatewayDatabase.class.getName());

    private HikariDataSource dataSource;

    @PostConstruct
    void start() {
        DatabaseSettings settings = DatabaseConfig.read("gateway", 24);
        dataSource = Database.open(settings);
        int applied = Database.migrate(dataSource, Schema.GATEWAY);
        LOG.info(() -> "Gateway database: " + settings.describe() + ", " + applied + " migration(s) applied");
    }

    @PreDestroy
    void stop() {
        if (dataSource != null) {
            dataSource.close();
        }
    }

    /** @return the pool */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Work in one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        /**
         * @param connection a connection with auto-commit off
         * @return a result
         * @throws SQLException on database failure
         */
        T apply(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction, committed on return and rolled back on any exception.
     *
     * @param work the work
     * @param <T>  its result type
     * @return its result
     */
    public <T> T inTransaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    /** An unexpected database failure: the transaction is rolled back, so nothing is half-written. */
    public static final class DatabaseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DatabaseException(SQLException cause) {
            super("database failure: " + cause.getMessage(), cause);
        }
    }
}
