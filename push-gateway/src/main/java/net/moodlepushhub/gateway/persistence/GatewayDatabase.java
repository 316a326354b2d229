package net.moodlepushhub.gateway.persistence;

import com.zaxxer.hikari.HikariDataSource;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.db.Database;
import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.db.Schema;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.util.Optional;
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

    @Inject
    @ConfigProperty(name = "gateway.db.url")
    Optional<String> url;

    @Inject
    @ConfigProperty(name = "gateway.db.user")
    Optional<String> user;

    @Inject
    @ConfigProperty(name = "gateway.db.password")
    Optional<String> password;

    @Inject
    @ConfigProperty(name = "gateway.db.pool-size", defaultValue = "24")
    int poolSize;

    @Inject
    @ConfigProperty(name = "gateway.data-dir", defaultValue = "./data")
    String dataDir;

    private HikariDataSource dataSource;

    @PostConstruct
    void start() {
        DatabaseSettings settings = new DatabaseSettings(url.orElse(""), user.orElse(""), password.orElse(""), Path.of(dataDir), "gateway", poolSize);
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

    /** An unexpected database failure (the request fails with 503; nothing is half-written). */
    public static final class DatabaseException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DatabaseException(SQLException cause) {
            super("database failure: " + cause.getMessage(), cause);
        }
    }
}
