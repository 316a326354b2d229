package net.moodlepushhub.verifier;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Resolves a host name to all of its addresses (A and AAAA records).
 *
 * <p>{@link SiteVerifier} calls the resolver exactly once per hop, checks every returned address, and then
 * connects only to those checked addresses: the HTTP client never performs a lookup of its own. A resolver
 * is only ever given syntactically valid ASCII DNS names, never IP literals.
 *
 * <p>Implementations must be thread-safe. Tests inject a resolver that maps names such as {@code site.test}
 * to loopback addresses.
 */
@FunctionalInterface
public interface HostResolver {

    /**
     * Resolves {@code host} to all of its addresses.
     *
     * @param host an ASCII DNS name in lower case, without a trailing dot
     * @return every address of the host; an empty list is treated like a failed lookup
     * @throws UnknownHostException if the name cannot be resolved
     */
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /**
     * Returns the resolver backed by the system's name service ({@link InetAddress#getAllByName(String)}),
     * which returns both IPv4 and IPv6 addresses. This is the default of {@link SiteVerifier.Builder}.
     *
     * @return the system resolver; never {@code null}
     */
    static HostResolver system() {
        return host -> Arrays.asList(InetAddress.getAllByName(host));
    }
}
