package net.moodlepushhub.hub.mail;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.HubSettings;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The e-mail options, read from MicroProfile Config ({@code hub.mail.*}, environment {@code HUB_MAIL_*}). Without
 * {@code hub.mail.smtp.host} nothing leaves the machine: messages are written to {@link #spoolDirectory()}.
 * Every option has a row in the README's configuration table. Durations are injected as {@code Duration}, so a
 * malformed one fails the deployment.
 */
@ApplicationScoped
public class MailSettings {

    /** How the connection to the SMTP server is protected. */
    public enum Tls {
        /** Plain SMTP (a relay on localhost or a test server). */
        NONE,
        /** STARTTLS, required: the connection is never continued in clear text. */
        STARTTLS,
        /** TLS from the first byte (SMTPS, usually port 465). */
        TLS
    }

    @Inject
    @ConfigProperty(name = "hub.mail.smtp.host")
    Optional<String> host;

    @Inject
    @ConfigProperty(name = "hub.mail.smtp.port")
    Optional<Integer> port;

    @Inject
    @ConfigProperty(name = "hub.mail.smtp.tls", defaultValue = "starttls")
    String tls;

    @Inject
    @ConfigProperty(name = "hub.mail.smtp.user")
    Optional<String> user;

    @Inject
    @ConfigProperty(name = "hub.mail.smtp.password")
    Optional<String> password;

    @Inject
    @ConfigProperty(name = "hub.mail.from", defaultValue = "moodle-push-hub@localhost")
    String from;

    @Inject
    @ConfigProperty(name = "hub.mail.digest-interval", defaultValue = "PT1H")
    Duration digestInterval;

    @Inject
    @ConfigProperty(name = "hub.mail.rate-window", defaultValue = "PT1H")
    Duration rateWindow;

    @Inject
    @ConfigProperty(name = "hub.mail.poll-interval", defaultValue = "PT5S")
    Duration pollInterval;

    @Inject
    @ConfigProperty(name = "hub.mail.retry.initial", defaultValue = "PT30S")
    Duration retryInitial;

    @Inject
    @ConfigProperty(name = "hub.mail.retry.max", defaultValue = "PT1H")
    Duration retryMax;

    /** The hub's name, one setting for its pages and its e-mail. */
    @Inject
    @ConfigProperty(name = "hub.name", defaultValue = HubSettings.DEFAULT_NAME)
    String hubName;

    @Inject
    @ConfigProperty(name = "hub.data-dir", defaultValue = "./data")
    String dataDir;

    @Inject
    @ConfigProperty(name = "hub.quota.grace", defaultValue = "P14D")
    Duration quotaGrace;

    /** Fails the deployment on a TLS mode or a wait that cannot work, naming the property, rather than the first send. */
    @PostConstruct
    void validate() {
        try {
            tls();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hub.mail.smtp.tls must be none, starttls or tls: " + tls, e);
        }
        for (Duration d : java.util.List.of(digestInterval, rateWindow, pollInterval, retryInitial, retryMax)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("every hub.mail.* duration must be positive; got " + d);
            }
        }
    }

    /** @return the SMTP server, or empty to write messages to {@link #spoolDirectory()} instead */
    public Optional<String> host() {
        return host.map(String::strip).filter(h -> !h.isEmpty());
    }

    /** @return the SMTP port: as configured, else 25, 587 or 465 after {@link #tls()} */
    public int port() {
        return port.orElseGet(() -> switch (tls()) {
            case NONE -> 25;
            case STARTTLS -> 587;
            case TLS -> 465;
        });
    }

    /** @return the TLS mode */
    public Tls tls() {
        return Tls.valueOf(tls.strip().toUpperCase(Locale.ROOT));
    }

    /** @return the SMTP user, or empty for no authentication */
    public Optional<String> user() {
        return user.filter(u -> !u.isBlank());
    }

    /** @return the SMTP password */
    public String password() {
        return password.orElse("");
    }

    /** @return the sender address */
    public String from() {
        return from.strip();
    }

    /** @return the shortest time between two digests to one operator */
    public Duration digestInterval() {
        return digestInterval;
    }

    /** @return the shortest time between two messages of one kind about one site to one recipient */
    public Duration rateWindow() {
        return rateWindow;
    }

    /** @return how often the worker looks for due messages */
    public Duration pollInterval() {
        return pollInterval;
    }

    /** @return the wait after the first failed attempt; it doubles with each further failure */
    public Duration retryInitial() {
        return retryInitial;
    }

    /** @return the longest wait between two attempts */
    public Duration retryMax() {
        return retryMax;
    }

    /** @return the hub's name, shown in every message */
    public String hubName() {
        return hubName.strip();
    }

    /** @return where messages are written when there is no SMTP host: {@code <hub.data-dir>/mail} */
    public Path spoolDirectory() {
        return Path.of(dataDir).resolve("mail");
    }

    /** @return the quota grace period (set by the quota code; here only to tell the site admin its end) */
    public Duration quotaGrace() {
        return quotaGrace;
    }
}
