package net.moodlepushhub.gateway.keys;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import jakarta.ws.rs.core.MediaType;
import net.moodlepushhub.gateway.hub.HubApi;
import net.moodlepushhub.gateway.hub.HubConnection;

import java.io.IOException;
import java.net.URL;
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
        HubConnection.Answer answer = hub.call(Duration.ofSeconds(3), true, HubApi::jwks);
        String where = answer.hub() + PATH;
        if (answer.status() != 200) {
            throw new IOException(where + " answered " + answer.status());
        }
        String body = answer.read(String.class);
        if (body.length() > SIZE_LIMIT) {
            throw new IOException(where + " is larger than " + SIZE_LIMIT + " characters");
        }
        MediaType type = answer.response().getMediaType();
        return new Resource(body, type == null ? "application/json" : type.toString());
    }
}
