package net.moodlepushhub.gateway.hub;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.GatewaySettings;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The gateway's one way of calling the hub's internal API (revocation feed, access keys, limits, usage,
 * abuse reports): the hub's base URL from {@code gateway.hub-url} and the shared feed token as a bearer.
 */
@ApplicationScoped
public class HubConnection {

    @Inject
    GatewaySettings settings;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param path    the path below the hub's base URL, starting with a slash
     * @param timeout the whole request's timeout
     * @return the answer
     * @throws IOException          when the hub cannot be reached
     * @throws InterruptedException when interrupted
     */
    public HttpResponse<String> get(String path, Duration timeout) throws IOException, InterruptedException {
        return http.send(request(path, timeout).header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * @param path    the path below the hub's base URL, starting with a slash
     * @param json    the body
     * @param timeout the whole request's timeout
     * @return the answer
     * @throws IOException          when the hub cannot be reached
     * @throws InterruptedException when interrupted
     */
    public HttpResponse<String> postJson(String path, String json, Duration timeout) throws IOException, InterruptedException {
        return http.send(request(path, timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(settings.hubUrl() + path)).timeout(timeout);
        if (!settings.hubFeedToken().isBlank()) {
            b.header("Authorization", "Bearer " + settings.hubFeedToken());
        }
        return b;
    }
}
