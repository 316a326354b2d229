package net.moodlepushhub.gateway.keys;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import net.moodlepushhub.gateway.hub.HubConnection;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Downloads the hub's JWKS for Nimbus's JWK source through {@link HubConnection}, so that the download fails over
 * between the listed hubs like every other call to the hub (Nimbus's own retriever knows one URL). The URL Nimbus
 * passes is ignored: the path is always {@link #PATH}, below whichever hub answers.
 */
final class HubJwksRetriever implements ResourceRetriever {

    /** Where a hub publishes its public keys. */
    static final String PATH = "/.well-known/jwks.json";

    /** As Nimbus's default retriever: a JWKS is a few keys, not megabytes. */
    private static final int SIZE_LIMIT = 50 * 1024;

    private final HubConnection hub;

    HubJwksRetriever(HubConnection hub) {
        this.hub = hub;
    }

    @Override
    public Resource retrieveResource(URL ignored) throws IOException {
        HttpResponse<String> response;
        try {
            response = hub.get(PATH, Duration.ofSeconds(3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the hub's JWKS");
        }
        if (response.statusCode() != 200) {
            throw new IOException(response.uri() + " answered " + response.statusCode());
        }
        if (response.body().length() > SIZE_LIMIT) {
            throw new IOException(response.uri() + " is larger than " + SIZE_LIMIT + " characters");
        }
        return new Resource(response.body(), response.headers().firstValue("Content-Type").orElse("application/json"));
    }
}
