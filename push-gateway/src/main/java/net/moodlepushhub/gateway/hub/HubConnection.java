package net.moodlepushhub.gateway.hub;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.GatewaySettings;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The gateway's one way of calling the hub's internal API (revocation feed, JWKS, metadata, access keys,
 * limits, usage, abuse reports): the hubs' base URLs from {@code gateway.hub-url} and the shared feed token as
 * a bearer.
 *
 * <p>When several hubs are listed, a call that cannot reach one, or that one answers "unavailable", is made
 * again on the next, as {@link HubEndpoints} orders them (sticky, failed hubs backing off). A {@code GET} is
 * safe to repeat whatever went wrong; a {@code POST} (usage, abuse reports, issued keys) is repeated on another
 * hub only when it cannot have reached the first (no connection, or {@code 503}), so a request the first hub
 * may have carried out is never carried out twice.</p>
 */
@ApplicationScoped
public class HubConnection {

    private static final Logger LOG = Logger.getLogger(HubConnection.class.getName());

    @Inject
    GatewaySettings settings;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HubEndpoints endpoints;
    private String token;

    /** For the container. */
    public HubConnection() {
    }

    /**
     * A connection outside the container (tests, tools).
     *
     * @param endpoints the hubs
     * @param feedToken the bearer token, or blank
     * @return the connection
     */
    public static HubConnection of(HubEndpoints endpoints, String feedToken) {
        HubConnection c = new HubConnection();
        c.endpoints = endpoints;
        c.token = feedToken;
        return c;
    }

    @PostConstruct
    void start() {
        endpoints = new HubEndpoints(settings.hubUrls(), settings.hubBackoff(), System::nanoTime);
        token = settings.hubFeedToken();
        if (endpoints.all().size() > 1) {
            LOG.info(() -> "Hubs: " + String.join(", ", endpoints.all()) + " (fail-over, " + settings.hubBackoff() + " back-off)");
        }
    }

    /** @return the hubs and which one is called first now */
    public HubEndpoints endpoints() {
        return endpoints;
    }

    /**
     * @param path    the path below the hub's base URL, starting with a slash
     * @param timeout the whole request's timeout
     * @return the answer
     * @throws IOException          when no hub can be reached
     * @throws InterruptedException when interrupted
     */
    public HttpResponse<String> get(String path, Duration timeout) throws IOException, InterruptedException {
        return send(path, timeout, b -> b.header("Accept", "application/json").GET(), true);
    }

    /**
     * @param path    the path below the hub's base URL, starting with a slash
     * @param json    the body
     * @param timeout the whole request's timeout
     * @return the answer
     * @throws IOException          when no hub can be reached
     * @throws InterruptedException when interrupted
     */
    public HttpResponse<String> postJson(String path, String json, Duration timeout) throws IOException, InterruptedException {
        return send(path, timeout, b -> b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)), false);
    }

    private HttpResponse<String> send(String path, Duration timeout, UnaryOperator<HttpRequest.Builder> method, boolean idempotent)
            throws IOException, InterruptedException {
        IOException lastError = null;
        HttpResponse<String> lastUnavailable = null;
        for (String base : endpoints.order()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
            if (token != null && !token.isBlank()) {
                b.header("Authorization", "Bearer " + token);
            }
            try {
                HttpResponse<String> response = http.send(method.apply(b).build(), HttpResponse.BodyHandlers.ofString());
                if (unavailable(response.statusCode(), idempotent)) {
                    failed(base, "answered " + response.statusCode());
                    lastUnavailable = response;
                    continue;
                }
                endpoints.succeeded(base);
                return response;
            } catch (ConnectException | HttpConnectTimeoutException e) {
                failed(base, e.toString());
                lastError = e;
            } catch (IOException e) {
                failed(base, e.toString());
                if (!idempotent) {
                    // The request may have been carried out before the answer was lost: not repeated elsewhere.
                    throw e;
                }
                lastError = e;
            }
        }
        if (lastUnavailable != null) {
            return lastUnavailable;
        }
        throw lastError;
    }

    /**
     * A hub whose database is down answers {@code 503}; a proxy in front of a dead hub {@code 502} or
     * {@code 504}, after which a {@code POST} may have been carried out, so only a {@code GET} goes on with those.
     */
    private static boolean unavailable(int status, boolean idempotent) {
        return status == 503 || (idempotent && (status == 502 || status == 504));
    }

    private void failed(String base, String why) {
        boolean wasCurrent = base.equals(endpoints.current());
        endpoints.failed(base);
        if (wasCurrent && endpoints.all().size() > 1 && !base.equals(endpoints.current())) {
            LOG.warning(() -> "Hub " + base + " failed (" + why + "); calling " + endpoints.current() + " first from now on");
        }
    }
}
