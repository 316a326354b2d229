package net.moodlepushhub.db;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a service's database lives. When no JDBC URL is configured the service falls back to an embedded H2
 * database in MariaDB compatibility mode, stored under a data directory, so that a newcomer needs nothing
 * installed but a JDK. Production deployments set a MariaDB URL.
 *
 * @param jdbcUrl  the JDBC URL, or blank for the embedded default
 * @param user     the database user (may be blank)
 * @param password the database password (may be blank); never logged
 * @param dataDir  the directory for the embedded default database
 * @param name     the database name used for the embedded default file and the pool name
 * @param poolSize the maximum number of pooled connections
 */
public record DatabaseSettings(String jdbcUrl, String user, String password, Path dataDir, String name, int poolSize) {

    public DatabaseSettings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(name, "name");
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1");
        }
    }

    /** @return true when no JDBC URL was configured and the embedded H2 default is used */
    public boolean isEmbedded() {
        return jdbcUrl == null || jdbcUrl.isBlank();
    }

    /** @return the JDBC URL actually used: the configured one, or the embedded H2 file in MariaDB mode */
    public String effectiveUrl() {
        if (!isEmbedded()) {
            return jdbcUrl;
        }
        Path file = dataDir.toAbsolutePath().resolve(name);
        // MODE=MariaDB keeps the migrations portable; DATABASE_TO_LOWER matches MariaDB's identifier case;
        // AUTO_SERVER lets a second process (a CLI, a second instance) open the same file safely.
        return "jdbc:h2:file:" + file + ";MODE=MariaDB;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE";
    }

    /** @return a description safe for logs (no password) */
    public String describe() {
        return isEmbedded() ? "embedded H2 (" + effectiveUrl().split(";")[0] + ")" : jdbcUrl.replaceAll("(?i)password=[^&;]*", "password=***");
    }
}
