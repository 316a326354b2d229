package net.moodlepushhub.gateway.hub;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.gateway.GatewaySettings;
import org.eclipse.microprofile.rest.client.RestClientBuilder;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * The gateway's one way of calling the hub's internal API: the typed {@link HubApi} (JWKS, metadata, access
 * keys, limits, usage, abuse reports; MicroProfile Rest Client, one client per hub) through {@link #call}, and
 * the revocation feed's long poll on {@link HttpClient} through {@link #get}; the hubs' base URLs from
 * {@code gateway.hub-url} and the shared feed token as a bearer, both ways through the same fail-over loop.
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
    private final Map<String, HubApi> clients = new ConcurrentHashMap<>();
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
        return failover(idempotent, HttpResponse::statusCode, base -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
            if (token != null && !token.isBlank()) {
                b.header("Authorization", "Bearer " + token);
            }
            return http.send(method.apply(b).build(), HttpResponse.BodyHandlers.ofString());
        });
    }

    /**
     * Calls the hub's API through its typed client ({@link HubApi}), failing over as {@link #get} (for a
     * {@code GET}) or {@link #postJson} (for a {@code POST}) do.
     *
     * @param timeout    the read timeout
     * @param idempotent true for a {@code GET}: repeated on another hub whatever went wrong
     * @param call       the call, on the client of one hub
     * @return the answer (its body buffered) and which hub gave it
     * @throws IOException when no hub can be reached
     */
    public Answer call(Duration timeout, boolean idempotent, Function<HubApi, Response> call) throws IOException {
        try {
            return failover(idempotent, a -> a.response().getStatus(), base -> {
                try {
                    Response r = call.apply(client(base, timeout));
                    r.bufferEntity();
                    return new Answer(base, r);
                } catch (WebApplicationException e) {
                    // Only if a runtime ignored disable.default.mapper: the status is still an answer.
                    return new Answer(base, e.getResponse());
                } catch (ProcessingException e) {
                    throw asIoException(e);
                }
            });
        } catch (InterruptedException e) {
            // The rest client is not interruptible through this path; kept for the shared loop's signature.
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while calling the hub");
        }
    }

    /**
     * What one hub answered through {@link #call}.
     *
     * @param hub      the base URL of the hub that answered
     * @param response its answer, the body buffered
     */
    public record Answer(String hub, Response response) {

        /** @return the HTTP status */
        public int status() {
            return response.getStatus();
        }

        /**
         * @param type the record the body is
         * @param <T>  its type
         * @return the body
         */
        public <T> T read(Class<T> type) {
            return response.readEntity(type);
        }
    }

    /** One client per hub and read timeout: MicroProfile Rest Client sets timeouts per client. */
    private HubApi client(String base, Duration timeout) {
        return clients.computeIfAbsent(base + " " + timeout.toMillis(), k -> RestClientBuilder.newBuilder()
                .baseUri(URI.create(base))
                .connectTimeout(5, TimeUnit.SECONDS)
                .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .register(new HubBearer(token))
                // Statuses are answers here (503 means "try the next hub"), never exceptions.
                .property("microprofile.rest.client.disable.default.mapper", true)
                .build(HubApi.class));
    }

    /** The I/O failure behind a client exception, so that the fail-over rules below see what they see for HttpClient. */
    private static IOException asIoException(ProcessingException e) {
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof IOException io) {
                return io;
            }
        }
        return new IOException(e.getMessage(), e);
    }

    /** One attempt on one hub. */
    @FunctionalInterface
    private interface Attempt<T> {
        T on(String base) throws IOException, InterruptedException;
    }

    /**
     * The fail-over loop every call goes through: the hubs in {@link HubEndpoints#order()}, the next one after a
     * hub that cannot be reached or answers "unavailable" ({@link #unavailable}).
     */
    private <T> T failover(boolean idempotent, ToIntFunction<T> status, Attempt<T> attempt) throws IOException, InterruptedException {
        IOException lastError = null;
        T lastUnavailable = null;
        for (String base : endpoints.order()) {
            try {
                T response = attempt.on(base);
                int code = status.applyAsInt(response);
                if (unavailable(code, idempotent)) {
                    failed(base, "answered " + code);
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
