package net.moodlepushhub.gateway.hub;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * Adds the feed token ({@code gateway.hub-feed-token}) as a bearer credential to every {@link HubApi} call;
 * nothing when it is blank (a hub whose internal API is open).
 */
final class HubBearer implements ClientRequestFilter {

    private final String token;

    HubBearer(String token) {
        this.token = token;
    }

    @Override
    public void filter(ClientRequestContext request) {
        if (token != null && !token.isBlank()) {
            request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
    }
}
