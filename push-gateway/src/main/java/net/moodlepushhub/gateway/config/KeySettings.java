package net.moodlepushhub.gateway.config;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Optional;

/** How access keys are verified ({@code gateway.keys.*}); converted once, at deployment. */
@ConfigProperties(prefix = "gateway.keys")
@Dependent
public class KeySettings {

    /** The expected {@code iss}; empty: as the hub's metadata says. */
    @ConfigProperty(name = "issuer")
    public Optional<String> issuer;

    /** The expected {@code aud}. */
    @ConfigProperty(name = "audience", defaultValue = "moodle-push-gateway")
    public String audience;

    /** The least time between two JWKS downloads caused by unknown {@code kid}s. */
    @ConfigProperty(name = "jwks-refresh-min-interval", defaultValue = "PT5S")
    public Duration jwksRefreshMinInterval;

    /** How many verified keys are remembered (0: none). */
    @ConfigProperty(name = "cache-size", defaultValue = "10000")
    public int cacheSize;
}
