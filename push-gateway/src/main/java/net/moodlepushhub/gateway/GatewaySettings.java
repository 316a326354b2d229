package net.moodlepushhub.gateway;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.config.AbuseSettings;
import net.moodlepushhub.gateway.config.DeliverySettings;
import net.moodlepushhub.gateway.config.HubSettings;
import net.moodlepushhub.gateway.config.KeySettings;
import net.moodlepushhub.gateway.config.QuotaSettings;
import net.moodlepushhub.gateway.config.TokenSettings;
import org.eclipse.microprofile.config.inject.ConfigProperties;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's settings, one typed {@code @ConfigProperties} class per concern (package
 * {@link net.moodlepushhub.gateway.config}); the README lists each option. This bean is created when the
 * gateway starts ({@link GatewayStartup}), so a value that cannot be converted (a malformed duration, a number
 * that is not one) fails the deployment, and nothing is parsed again per call.
 */
@ApplicationScoped
public class GatewaySettings {

    @Inject
    @ConfigProperties
    HubSettings hub;

    @Inject
    @ConfigProperties
    KeySettings keys;

    @Inject
    @ConfigProperties
    DeliverySettings delivery;

    @Inject
    @ConfigProperties
    TokenSettings tokens;

    @Inject
    @ConfigProperties
    QuotaSettings quota;

    @Inject
    @ConfigProperties
    AbuseSettings abuse;

    private List<String> hubUrls;

    @PostConstruct
    void check() {
        hubUrls = net.moodlepushhub.gateway.hub.HubEndpoints.parse(hub.hubUrl);
        requirePositive("gateway.hub-backoff", hub.hubBackoff);
        requirePositive("gateway.feed.max-lag", hub.feedMaxLag);
        requirePositive("gateway.keys.jwks-refresh-min-interval", keys.jwksRefreshMinInterval);
        requirePositive("gateway.delivery.retry-base", delivery.retryBase);
        requirePositive("gateway.delivery.retry-cap", delivery.retryCap);
        requirePositive("gateway.delivery.lease", delivery.lease);
        requirePositive("gateway.tokens.unconfirmed-ttl", tokens.unconfirmedTtl);
        requirePositive("gateway.tokens.count-refresh", tokens.countRefresh);
        requirePositive("gateway.quota.limits-refresh", quota.limitsRefresh);
        requirePositive("gateway.quota.report-interval", quota.reportInterval);
        requirePositive("gateway.abuse.check-interval", abuse.checkInterval);
        if (delivery.maxAttempts < 1) {
            throw new IllegalArgumentException("gateway.delivery.max-attempts must be at least 1, not " + delivery.maxAttempts);
        }
    }

    private static void requirePositive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, not " + d);
        }
    }

    /** @return the default per-site limits and the hub's overrides' refresh ({@code gateway.quota.*}) */
    public QuotaSettings quota() {
        return quota;
    }

    /** @return the abuse checks' thresholds ({@code gateway.abuse.*}) */
    public AbuseSettings abuse() {
        return abuse;
    }

    /** @return how often a site's device count is read again */
    public Duration tokenCountRefresh() {
        return tokens.countRefresh;
    }

    /**
     * @return the first hub's base URL, without a trailing slash: the issuer assumed until the hub's metadata is
     *         read (every hub of one deployment issues keys under the same {@code hub.issuer})
     */
    public String hubUrl() {
        return hubUrls().get(0);
    }

    /** @return every hub's base URL, in the order {@code gateway.hub-url} lists them (comma-separated) */
    public List<String> hubUrls() {
        return hubUrls;
    }

    /** @return how long a hub that failed is tried only after the others */
    public Duration hubBackoff() {
        return hub.hubBackoff;
    }

    /** @return the secret for the hub's revocation feed and internal API (blank when the hub's feed is open) */
    public String hubFeedToken() {
        return hub.hubFeedToken.orElse("");
    }

    /**
     * @return the expected {@code iss} of keys when {@code gateway.keys.issuer} is set; empty means "as the hub's
     *         metadata ({@code /.well-known/moodle-push-hub}) says"
     */
    public Optional<String> issuer() {
        return keys.issuer.map(String::trim).filter(s -> !s.isBlank());
    }

    /** @return the expected {@code aud} of keys */
    public String audience() {
        return keys.audience;
    }

    /** @return the least time between two JWKS downloads caused by unknown {@code kid}s */
    public Duration jwksRefreshMinInterval() {
        return keys.jwksRefreshMinInterval;
    }

    /** @return how many verified keys are kept so that a key seen before skips the signature check (0: none) */
    public int keyCacheSize() {
        return Math.max(0, keys.cacheSize);
    }

    /** @return how long the revocation feed may be unreachable before the gateway reports not ready */
    public Duration feedMaxLag() {
        return hub.feedMaxLag;
    }

    /** @return how long an unconfirmed device token lives */
    public Duration unconfirmedTtl() {
        return tokens.unconfirmedTtl;
    }

    /** @return attempts per recipient before a delivery is kept as failed */
    public int maxAttempts() {
        return delivery.maxAttempts;
    }

    /** @return the first retry delay (doubled each attempt, with full jitter) */
    public Duration retryBase() {
        return delivery.retryBase;
    }

    /** @return the longest retry delay */
    public Duration retryCap() {
        return delivery.retryCap;
    }

    /** @return how long a claimed delivery stays with one instance before others may take it over */
    public Duration lease() {
        return delivery.lease;
    }

    /** @return whether a site key's {@code POST /tokens/{pushid}} creates the token already confirmed (Moodle compatibility) */
    public boolean legacyCreateConfirmed() {
        return tokens.legacyCreateConfirmed;
    }
}
