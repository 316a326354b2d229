package net.moodlepushhub.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * Opens a pooled connection to a service's database and brings its schema up to date.
 *
 * <p>Both services call {@link #open(DatabaseSettings)} and then {@link #migrate(DataSource, Schema)} at
 * start-up, before they accept requests, so a deployment never runs code against an older schema.</p>
 */
public final class Database {

    private Database() {
    }

    /**
     * Opens a connection pool.
     *
     * @param settings where the database is
     * @return a pooled data source; close it (it is a {@link HikariDataSource}) when the service stops
     */
    public static HikariDataSource open(DatabaseSettings settings) {
        if (settings.isEmbedded()) {
            try {
                Files.createDirectories(settings.dataDir());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create data directory " + settings.dataDir(), e);
            }
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName(settings.name());
        config.setJdbcUrl(settings.effectiveUrl());
        config.setDriverClassName(settings.isEmbedded() ? "org.h2.Driver" : driverFor(settings.jdbcUrl()));
        if (settings.user() != null && !settings.user().isBlank()) {
            config.setUsername(settings.user());
        } else if (settings.isEmbedded()) {
            config.setUsername("sa");
        }
        if (settings.password() != null && !settings.password().isEmpty()) {
            config.setPassword(settings.password());
        }
        config.setMaximumPoolSize(settings.poolSize());
        config.setAutoCommit(true);
        config.setConnectionTimeout(5_000);
        // Fail fast at start-up when the database is unreachable rather than on the first request.
        config.setInitializationFailTimeout(30_000);
        return new HikariDataSource(config);
    }

    /**
     * Applies every pending migration of {@code schema}.
     *
     * @param dataSource the database
     * @param schema     which migration history to apply
     * @return the number of migrations applied
     */
    public static int migrate(DataSource dataSource, Schema schema) {
        Flyway flyway = Flyway.configure(Database.class.getClassLoader())
                .dataSource(dataSource)
                .locations("classpath:" + schema.location())
                .table("schema_history")
                .validateMigrationNaming(true)
                .load();
        MigrateResult result = flyway.migrate();
        return result.migrationsExecuted;
    }

    private static String driverFor(String url) {
        if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) {
            return "org.mariadb.jdbc.Driver";
        }
        if (url.startsWith("jdbc:h2:")) {
            return "org.h2.Driver";
        }
        throw new IllegalArgumentException("unsupported JDBC URL scheme (use jdbc:mariadb: or jdbc:h2:)");
    }
}
