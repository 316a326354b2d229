package net.moodlepushhub.gateway.config;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/** Retries and leases of deliveries ({@code gateway.delivery.*}); converted once, at deployment. */
@ConfigProperties(prefix = "gateway.delivery")
@Dependent
public class DeliverySettings {

    /** Attempts per recipient before a delivery is kept as failed. */
    @ConfigProperty(name = "max-attempts", defaultValue = "8")
    public int maxAttempts;

    /** The first retry delay (doubled each attempt, with full jitter). */
    @ConfigProperty(name = "retry-base", defaultValue = "PT1S")
    public Duration retryBase;

    /** The longest retry delay. */
    @ConfigProperty(name = "retry-cap", defaultValue = "PT10M")
    public Duration retryCap;

    /** How long a claimed delivery stays with one instance before others may take it over. */
    @ConfigProperty(name = "lease", defaultValue = "PT60S")
    public Duration lease;
}
