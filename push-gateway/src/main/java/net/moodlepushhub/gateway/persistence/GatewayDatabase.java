package net.moodlepushhub.gateway.persistence;

import com.zaxxer.hikari.HikariDataSource;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import net.moodlepushhub.common.config.DatabaseConfig;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;
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

    /** For CDI. */
    public GatewayDatabase() {
    }

    /** @param dataSource an already open pool (tests) */
    GatewayDatabase(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

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
     * Runs {@code work} in one transaction, committed on return and rolled back on any exception. A transaction
     * MariaDB chose as a deadlock victim is run again (up to three times), so concurrency alone never fails a
     * request; {@code work} must therefore have no effects outside the transaction that a rerun would repeat.
     * When the database cannot be reached (or no connection frees up within the pool's timeout) the failure is
     * a {@code 503 database-unavailable} problem with {@code Retry-After}, not an internal error.
     *
     * @param work the work
     * @param <T>  its result type
     * @return its result
     */
    public <T> T inTransaction(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return once(work);
            } catch (SQLException e) {
                if (attempt < 4 && isDeadlock(e)) {
                    continue;
                }
                if (isUnavailable(e)) {
                    throw Problem.of(CommonProblem.DATABASE_UNAVAILABLE, "The gateway's database cannot be reached; try again shortly.")
                            .withHeader("Retry-After", "5").toException();
                }
                throw new DatabaseException(e);
            }
        }
    }

    /**
     * Runs {@code work} in auto-commit mode: for a single statement (a read, or a write that is atomic by itself),
     * which then needs no transaction of its own. Saves the three round trips a transaction adds to a one-statement
     * request ({@code set autocommit=0}, {@code commit}, {@code set autocommit=1}), which on a cheap request cost
     * more than the statement. Failures are handled as in {@link #inTransaction}.
     *
     * @param work the work (one statement; several would each commit on their own)
     * @param <T>  its result type
     * @return its result
     */
    public <T> T autoCommit(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return work.apply(c);
            } catch (SQLException e) {
                if (attempt < 4 && isDeadlock(e)) {
                    continue;
                }
                if (isUnavailable(e)) {
                    throw Problem.of(CommonProblem.DATABASE_UNAVAILABLE, "The gateway's database cannot be reached; try again shortly.")
                            .withHeader("Retry-After", "5").toException();
                }
                throw new DatabaseException(e);
            }
        }
    }

    private <T> T once(Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException lost) {
                    e.addSuppressed(lost);
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // the connection is broken; the pool evicts it
                }
            }
        }
    }

    /** @return true for a deadlock victim or lock wait timeout (SQLState 40001; MariaDB 1213, 1205; H2 40001) */
    static boolean isDeadlock(SQLException e) {
        // A batch (the bulk insert of a notification's recipients) reports the failing statement's error as the
        // cause of its BatchUpdateException: look through the chain.
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && ("40001".equals(s.getSQLState()) || s.getErrorCode() == 1213 || s.getErrorCode() == 1205)) {
                return true;
            }
        }
        return false;
    }

    /** @return true when no connection could be had: the server is down or the pool timed out */
    static boolean isUnavailable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException
                    || (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08"))) {
                return true;
            }
        }
        return false;
    }

    /** An unexpected database failure: the transaction is rolled back, so nothing is half-written. */
    public static final class DatabaseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DatabaseException(SQLException cause) {
            super("database failure: " + cause.getMessage(), cause);
        }
    }
}
