package net.moodlepushhub.gateway;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Optional;

/**
 * Every tunable of the gateway, from MicroProfile Config ({@code gateway.hub-url} is also the environment
 * variable {@code GATEWAY_HUB_URL}). The README lists each option.
 */
@ApplicationScoped
public class GatewaySettings {

    @Inject
    @ConfigProperty(name = "gateway.hub-url", defaultValue = "http://localhost:8080")
    String hubUrl;

    @Inject
    @ConfigProperty(name = "gateway.hub-backoff", defaultValue = "PT10S")
    String hubBackoff;

    @Inject
    @ConfigProperty(name = "gateway.hub-feed-token")
    Optional<String> hubFeedToken;

    @Inject
    @ConfigProperty(name = "gateway.keys.issuer")
    Optional<String> issuer;

    @Inject
    @ConfigProperty(name = "gateway.keys.audience", defaultValue = "moodle-push-gateway")
    String audience;

    @Inject
    @ConfigProperty(name = "gateway.keys.jwks-refresh-min-interval", defaultValue = "PT5S")
    String jwksRefreshMinInterval;

    @Inject
    @ConfigProperty(name = "gateway.keys.cache-size", defaultValue = "10000")
    int keyCacheSize;

    @Inject
    @ConfigProperty(name = "gateway.feed.max-lag", defaultValue = "PT30S")
    String feedMaxLag;

    @Inject
    @ConfigProperty(name = "gateway.tokens.unconfirmed-ttl", defaultValue = "PT1M")
    String unconfirmedTtl;

    @Inject
    @ConfigProperty(name = "gateway.delivery.max-attempts", defaultValue = "8")
    int maxAttempts;

    @Inject
    @ConfigProperty(name = "gateway.delivery.retry-base", defaultValue = "PT1S")
    String retryBase;

    @Inject
    @ConfigProperty(name = "gateway.delivery.retry-cap", defaultValue = "PT10M")
    String retryCap;

    @Inject
    @ConfigProperty(name = "gateway.delivery.lease", defaultValue = "PT60S")
    String lease;

    @Inject
    @ConfigProperty(name = "gateway.moodle.legacy-create-confirmed", defaultValue = "true")
    boolean legacyCreateConfirmed;

    /**
     * @return the first hub's base URL, without a trailing slash: the issuer assumed until the hub's metadata is
     *         read (every hub of one deployment issues keys under the same {@code hub.issuer})
     */
    public String hubUrl() {
        return hubUrls().get(0);
    }

    /** @return every hub's base URL, in the order {@code gateway.hub-url} lists them (comma-separated) */
    public java.util.List<String> hubUrls() {
        return net.moodlepushhub.gateway.hub.HubEndpoints.parse(hubUrl);
    }

    /** @return how long a hub that failed is tried only after the others */
    public Duration hubBackoff() {
        return Duration.parse(hubBackoff);
    }

    /** @return the secret for the hub's revocation feed and internal API (blank when the hub's feed is open) */
    public String hubFeedToken() {
        return hubFeedToken.orElse("");
    }

    /**
     * @return the expected {@code iss} of keys when {@code gateway.keys.issuer} is set; empty means "as the hub's
     *         metadata ({@code /.well-known/moodle-push-hub}) says"
     */
    public Optional<String> issuer() {
        return issuer.map(String::trim).filter(s -> !s.isBlank());
    }

    /** @return the expected {@code aud} of keys */
    public String audience() {
        return audience;
    }

    /** @return the least time between two JWKS downloads caused by unknown {@code kid}s */
    public Duration jwksRefreshMinInterval() {
        return Duration.parse(jwksRefreshMinInterval);
    }

    /** @return how many verified keys are kept so that a key seen before skips the signature check (0: none) */
    public int keyCacheSize() {
        return Math.max(0, keyCacheSize);
    }

    /** @return how long the revocation feed may be unreachable before the gateway reports not ready */
    public Duration feedMaxLag() {
        return Duration.parse(feedMaxLag);
    }

    /** @return how long an unconfirmed device token lives */
    public Duration unconfirmedTtl() {
        return Duration.parse(unconfirmedTtl);
    }

    /** @return attempts per recipient before a delivery is kept as failed */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** @return the first retry delay (doubled each attempt, with full jitter) */
    public Duration retryBase() {
        return Duration.parse(retryBase);
    }

    /** @return the longest retry delay */
    public Duration retryCap() {
        return Duration.parse(retryCap);
    }

    /** @return how long a claimed delivery stays with one instance before others may take it over */
    public Duration lease() {
        return Duration.parse(lease);
    }

    /** @return whether a site key's {@code POST /tokens/{pushid}} creates the token already confirmed (Moodle compatibility) */
    public boolean legacyCreateConfirmed() {
        return legacyCreateConfirmed;
    }
}
