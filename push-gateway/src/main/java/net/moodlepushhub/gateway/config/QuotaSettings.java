package net.moodlepushhub.gateway.config;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/** The default per-site limits and how the hub's overrides and usage reports travel ({@code gateway.quota.*}). */
@ConfigProperties(prefix = "gateway.quota")
@Dependent
public class QuotaSettings {

    /** Notifications a site may send per minute. */
    @ConfigProperty(name = "notifications-per-minute", defaultValue = "60000")
    public long notificationsPerMinute;

    /** Notifications a site may send per day. */
    @ConfigProperty(name = "notifications-per-day", defaultValue = "2000000")
    public long notificationsPerDay;

    /** Broadcasts a site may send per day. */
    @ConfigProperty(name = "broadcasts-per-day", defaultValue = "100")
    public long broadcastsPerDay;

    /** Device-token registrations a site (all its devices together) may make per minute. */
    @ConfigProperty(name = "token-registrations-per-minute", defaultValue = "6000")
    public long tokenRegistrationsPerMinute;

    /** Device tokens a site may have registered. */
    @ConfigProperty(name = "max-devices", defaultValue = "1000000")
    public long maxDevices;

    /** How often a site's overrides are read again from the hub. */
    @ConfigProperty(name = "limits-refresh", defaultValue = "PT1M")
    public Duration limitsRefresh;

    /** How often the remaining limits of active sites are reported to the hub. */
    @ConfigProperty(name = "report-interval", defaultValue = "PT30S")
    public Duration reportInterval;
}
