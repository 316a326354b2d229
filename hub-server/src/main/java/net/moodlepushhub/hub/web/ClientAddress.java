package net.moodlepushhub.hub.web;

import jakarta.servlet.http.HttpServletRequest;

import java.util.Set;

/**
 * The address of the client that sent a request, for per-address rate limits.
 *
 * <p>{@code X-Forwarded-For} is trusted only when the connection comes from a configured reverse proxy
 * ({@code hub.http.trusted-proxies}); otherwise anyone could pick a fresh address per request and walk around
 * every limit. Behind trusted proxies, the client is the right-most address that is not itself a proxy.</p>
 */
public final class ClientAddress {

    private ClientAddress() {
    }

    /**
     * @param request        the request
     * @param trustedProxies addresses of reverse proxies whose {@code X-Forwarded-For} is believed
     * @return the client's address
     */
    public static String of(HttpServletRequest request, Set<String> trustedProxies) {
        String peer = request.getRemoteAddr();
        if (!trustedProxies.contains(peer)) {
            return peer;
        }
        String forwarded = request.getHeader("X-Forwarded-For");
        if (forwarded == null || forwarded.isBlank()) {
            return peer;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (!hop.isEmpty() && !trustedProxies.contains(hop)) {
                return hop.length() > 64 ? hop.substring(0, 64) : hop;
            }
        }
        return peer;
    }
}
