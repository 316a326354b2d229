package net.moodlepushhub.gateway.quota;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

/**
 * The limits the gateway enforces per site. Defaults are the gateway's configuration; they are generous
 * for a legitimate Moodle site and exist to stop a stolen key from flooding users (and getting the
 * operator's APNs key blacklisted).
 */
@ApplicationScoped
public class SiteLimits {

    @Inject
    @ConfigProperty(name = "gateway.quota.notifications-per-minute", defaultValue = "60000")
    long perMinute;

    @Inject
    @ConfigProperty(name = "gateway.quota.notifications-per-day", defaultValue = "2000000")
    long perDay;

    @Inject
    @ConfigProperty(name = "gateway.quota.broadcasts-per-day", defaultValue = "100")
    long broadcastsPerDay;

    @Inject
    @ConfigProperty(name = "gateway.quota.token-registrations-per-minute", defaultValue = "6000")
    long registrationsPerMinute;

    /** @return notifications a site may send per minute */
    public Limit notificationsPerMinute() {
        return new Limit("notifications-minute", perMinute, Duration.ofMinutes(1));
    }

    /** @return notifications a site may send per day */
    public Limit notificationsPerDay() {
        return new Limit("notifications-day", perDay, Duration.ofDays(1));
    }

    /** @return broadcasts a site may send per day */
    public Limit broadcastsPerDay() {
        return new Limit("broadcasts-day", broadcastsPerDay, Duration.ofDays(1));
    }

    /** @return device-token registrations a site (all its devices together) may make per minute */
    public Limit tokenRegistrationsPerMinute() {
        return new Limit("token-registrations-minute", registrationsPerMinute, Duration.ofMinutes(1));
    }
}
