package net.moodlepushhub.hub;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every tunable of the hub, read once from MicroProfile Config (system properties, then environment
 * variables such as {@code HUB_QUOTA_MAX_USERS}, then {@code META-INF/microprofile-config.properties}).
 * Defaults are the safe ones; the README lists each option.
 *
 * <p>Each value is injected as its type ({@code Duration} from ISO-8601, {@code int}, {@code boolean}, a list
 * of ports), so MicroProfile Config converts it once and a malformed value ({@code hub.challenge.lifetime=1h})
 * fails the deployment with the property's name instead of failing requests later.</p>
 */
@ApplicationScoped
public class HubSettings {

    @Inject
    @ConfigProperty(name = "hub.public-url", defaultValue = "http://localhost:8080")
    String publicUrl;

    @Inject
    @ConfigProperty(name = "hub.keys.audience", defaultValue = "moodle-push-gateway")
    String keyAudience;

    @Inject
    @ConfigProperty(name = "hub.keys.site-key-lifetime", defaultValue = "P365D")
    Duration siteKeyLifetime;

    @Inject
    @ConfigProperty(name = "hub.keys.device-key-lifetime", defaultValue = "P365D")
    Duration deviceKeyLifetime;

    @Inject
    @ConfigProperty(name = "hub.keys.signing-key-rotation", defaultValue = "P90D")
    Duration signingKeyRotation;

    @Inject
    @ConfigProperty(name = "hub.keys.encryption-key-file")
    Optional<String> encryptionKeyFile;

    @Inject
    @ConfigProperty(name = "hub.keys.encryption-key")
    Optional<String> encryptionKey;

    @Inject
    @ConfigProperty(name = "hub.challenge.lifetime", defaultValue = "PT1H")
    Duration challengeLifetime;

    @Inject
    @ConfigProperty(name = "hub.challenge.max-attempts-per-minute", defaultValue = "6")
    int maxAttemptsPerMinute;

    @Inject
    @ConfigProperty(name = "hub.quota.max-users", defaultValue = "20000")
    int maxUsers;

    @Inject
    @ConfigProperty(name = "hub.verifier.allow-private-networks", defaultValue = "false")
    boolean allowPrivateNetworks;

    @Inject
    @ConfigProperty(name = "hub.verifier.allowed-ports", defaultValue = "80,443")
    String allowedPorts;

    /** {@link #allowedPorts} parsed (spaces allowed after the commas), once. */
    private Set<Integer> ports;

    @Inject
    @ConfigProperty(name = "hub.verifier.connect-timeout", defaultValue = "PT5S")
    Duration verifierConnectTimeout;

    @Inject
    @ConfigProperty(name = "hub.verifier.total-timeout", defaultValue = "PT10S")
    Duration verifierTotalTimeout;

    @Inject
    @ConfigProperty(name = "hub.feed.token")
    Optional<String> feedToken;

    @Inject
    @ConfigProperty(name = "hub.http.trusted-proxies")
    Optional<String> trustedProxies;

    @Inject
    @ConfigProperty(name = "hub.admin.session-lifetime", defaultValue = "PT30M")
    Duration adminSessionLifetime;

    @Inject
    @ConfigProperty(name = "hub.admin.login.max-failures", defaultValue = "5")
    int loginMaxFailures;

    @Inject
    @ConfigProperty(name = "hub.admin.login.window", defaultValue = "PT15M")
    Duration loginWindow;

    @Inject
    @ConfigProperty(name = "hub.abuse.reports-per-hour", defaultValue = "10")
    int abuseReportsPerHour;

    @Inject
    @ConfigProperty(name = "hub.abuse.fold-window", defaultValue = "PT24H")
    Duration abuseFoldWindow;

    @Inject
    @ConfigProperty(name = "hub.suspension.check-interval", defaultValue = "PT30S")
    Duration suspensionCheckInterval;

    /** The hub's name when {@code hub.name} is not set. */
    public static final String DEFAULT_NAME = "Moodle Push Hub";

    @Inject
    @ConfigProperty(name = "hub.name", defaultValue = DEFAULT_NAME)
    String hubName;

    @Inject
    @ConfigProperty(name = "hub.quota.grace", defaultValue = "P14D")
    Duration quotaGrace;

    @Inject
    @ConfigProperty(name = "hub.quota.check-interval", defaultValue = "PT1M")
    Duration quotaCheckInterval;

    @Inject
    @ConfigProperty(name = "hub.moodle.secret-key")
    Optional<String> moodleSecretKey;

    @Inject
    @ConfigProperty(name = "hub.moodle.page-requests-per-minute", defaultValue = "30")
    int moodlePageRequestsPerMinute;

    @Inject
    @ConfigProperty(name = "hub.moodle.sitecheck-requests-per-minute", defaultValue = "60")
    int sitecheckRequestsPerMinute;

    /** @return the hub's public base URL, used as the {@code iss} of every key */
    public String issuer() {
        return stripSlash(publicUrl);
    }

    /** @return the {@code aud} of every key: the gateway's identifier */
    public String keyAudience() {
        return keyAudience;
    }

    /** @return how long a site key is valid */
    public Duration siteKeyLifetime() {
        return siteKeyLifetime;
    }

    /** @return how long a device key is valid */
    public Duration deviceKeyLifetime() {
        return deviceKeyLifetime;
    }

    /** @return the longest lifetime of any key, which bounds how long a retired signing key stays published */
    public Duration longestKeyLifetime() {
        Duration site = siteKeyLifetime();
        Duration device = deviceKeyLifetime();
        return site.compareTo(device) >= 0 ? site : device;
    }

    /** @return the age after which a new signing key takes over */
    public Duration signingKeyRotation() {
        return signingKeyRotation;
    }

    /** @return the file holding the key-encryption key of the signing keys (base64 of 32 bytes), if configured */
    public Optional<String> encryptionKeyFile() {
        return encryptionKeyFile.filter(f -> !f.isBlank());
    }

    /** @return the key-encryption key itself (base64 of 32 bytes), if configured instead of a file */
    public Optional<String> encryptionKey() {
        return encryptionKey.filter(k -> !k.isBlank());
    }

    /** @return how long a registration's challenge can be answered */
    public Duration challengeLifetime() {
        return challengeLifetime;
    }

    /** @return the number of verification attempts a registration may make per minute */
    public int maxAttemptsPerMinute() {
        return maxAttemptsPerMinute;
    }

    /** @return the largest {@code users} count the hub serves; larger sites run their own gateway */
    public int maxUsers() {
        return maxUsers;
    }

    /** @return whether the verifier may connect to private and reserved addresses (tests, private deployments) */
    public boolean allowPrivateNetworks() {
        return allowPrivateNetworks;
    }

    /** @return the ports the verifier may connect to */
    public Set<Integer> allowedPorts() {
        if (ports == null) {
            ports = parsePorts(allowedPorts);
        }
        return ports;
    }

    /** @return the verifier's connect timeout */
    public Duration verifierConnectTimeout() {
        return verifierConnectTimeout;
    }

    /** @return the verifier's deadline for a whole verification */
    public Duration verifierTotalTimeout() {
        return verifierTotalTimeout;
    }

    /** @return the shared secret gateways present to read the revocation feed; blank leaves it open */
    public String feedToken() {
        return feedToken.orElse("");
    }

    /** @return addresses of reverse proxies whose {@code X-Forwarded-For} header is believed (none by default) */
    public Set<String> trustedProxies() {
        return Arrays.stream(trustedProxies.orElse("").split(",")).map(String::trim).filter(p -> !p.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    /** @return how long an admin console session lasts */
    public Duration adminSessionLifetime() {
        return adminSessionLifetime;
    }

    /** @return failed logins allowed per username and per address within {@link #loginWindow()} */
    public int loginMaxFailures() {
        return loginMaxFailures;
    }

    /** @return the window over which failed logins are counted */
    public Duration loginWindow() {
        return loginWindow;
    }

    /** @return abuse reports accepted per source address per hour */
    public int abuseReportsPerHour() {
        return abuseReportsPerHour;
    }

    /** @return the window within which duplicate abuse reports are folded into one */
    public Duration abuseFoldWindow() {
        return abuseFoldWindow;
    }

    /** @return how often the hub looks for suspensions whose end time passed */
    public Duration suspensionCheckInterval() {
        return suspensionCheckInterval;
    }

    /** @return the hub's name, sent to Moodle as {@code hubname} and shown on its pages */
    public String hubName() {
        return hubName;
    }

    /** @return how long a Moodle site may report more users than its limit before the gateway refuses its sends */
    public Duration quotaGrace() {
        return quotaGrace;
    }

    /** @return how often the hub looks for over-quota sites whose grace period ran out */
    public Duration quotaCheckInterval() {
        return quotaCheckInterval;
    }

    /** @return base64 of a 256-bit AES key sealing Moodle's signing keys at rest; empty to use one kept in the database */
    public String moodleSecretKey() {
        return moodleSecretKey.orElse("").strip();
    }

    /** @return requests per minute and address to Moodle's registration page */
    public int moodlePageRequestsPerMinute() {
        return moodlePageRequestsPerMinute;
    }

    /** @return requests per minute and address to the AirNotifier site check */
    public int sitecheckRequestsPerMinute() {
        return sitecheckRequestsPerMinute;
    }

    /** Checks the values no converter checks, so that a bad one fails the deployment (HubStartup reads the settings). */
    @PostConstruct
    void validate() {
        ports = parsePorts(allowedPorts);
        if (maxAttemptsPerMinute < 1 || maxUsers < 1 || loginMaxFailures < 1 || abuseReportsPerHour < 1
                || moodlePageRequestsPerMinute < 1 || sitecheckRequestsPerMinute < 1) {
            throw new IllegalArgumentException("hub.challenge.max-attempts-per-minute, hub.quota.max-users, hub.admin.login.max-failures, "
                    + "hub.abuse.reports-per-hour and the hub.moodle.*-per-minute limits must be at least 1");
        }
        for (Duration d : List.of(siteKeyLifetime, deviceKeyLifetime, signingKeyRotation, challengeLifetime, verifierConnectTimeout,
                verifierTotalTimeout, adminSessionLifetime, loginWindow, abuseFoldWindow, suspensionCheckInterval, quotaGrace,
                quotaCheckInterval)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("every hub.* duration must be positive; got " + d);
            }
        }
    }

    private static Set<Integer> parsePorts(String list) {
        try {
            Set<Integer> parsed = Arrays.stream(list.split(",")).map(String::trim).filter(p -> !p.isEmpty())
                    .map(Integer::valueOf).collect(Collectors.toUnmodifiableSet());
            if (parsed.stream().anyMatch(p -> p < 1 || p > 65535)) {
                throw new NumberFormatException("out of range");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hub.verifier.allowed-ports must be a comma-separated list of ports: " + list, e);
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
