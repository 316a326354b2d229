package net.moodlepushhub.common.config;

import net.moodlepushhub.db.DatabaseSettings;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.nio.file.Path;

/**
 * Reads a service's database settings from MicroProfile Config under one prefix, so that the hub
 * ({@code hub.db.url}, env {@code HUB_DB_URL}, ...) and the gateway ({@code gateway.db.url}, ...) are configured
 * the same way: {@code <prefix>.db.url}, {@code .db.user}, {@code .db.password}, {@code .db.pool-size} and
 * {@code <prefix>.data-dir} for the embedded default.
 */
public final class DatabaseConfig {

    private DatabaseConfig() {
    }

    /**
     * @param prefix          {@code hub} or {@code gateway}
     * @param defaultPoolSize the pool size when not configured
     * @return the settings
     */
    public static DatabaseSettings read(String prefix, int defaultPoolSize) {
        Config config = ConfigProvider.getConfig();
        // Empty values count as "not set" in MicroProfile Config, hence Optional everywhere.
        return new DatabaseSettings(
                config.getOptionalValue(prefix + ".db.url", String.class).orElse(""),
                config.getOptionalValue(prefix + ".db.user", String.class).orElse(""),
                config.getOptionalValue(prefix + ".db.password", String.class).orElse(""),
                Path.of(config.getOptionalValue(prefix + ".data-dir", String.class).orElse("./data")),
                prefix,
                config.getOptionalValue(prefix + ".db.pool-size", Integer.class).orElse(defaultPoolSize));
    }
}
