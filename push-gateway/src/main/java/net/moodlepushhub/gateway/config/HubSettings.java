package net.moodlepushhub.gateway.config;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.util.Optional;

/**
 * How the gateway reaches the hub ({@code gateway.hub-url} is also the environment variable
 * {@code GATEWAY_HUB_URL}). Values are converted once, when the application is deployed: an invalid
 * duration fails the deployment instead of a later call.
 */
@ConfigProperties(prefix = "gateway")
@Dependent
public class HubSettings {

    /** The hubs' base URLs, comma-separated (fail-over in this order). */
    @ConfigProperty(name = "hub-url", defaultValue = "http://localhost:8080")
    public String hubUrl;

    /** How long a hub that failed is tried only after the others. */
    @ConfigProperty(name = "hub-backoff", defaultValue = "PT10S")
    public Duration hubBackoff;

    /** The secret for the hub's revocation feed and internal API. */
    @ConfigProperty(name = "hub-feed-token")
    public Optional<String> hubFeedToken;

    /** How long the revocation feed may be unreachable before the gateway reports not ready. */
    @ConfigProperty(name = "feed.max-lag", defaultValue = "PT30S")
    public Duration feedMaxLag;
}
