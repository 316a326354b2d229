package net.moodlepushhub.verifier;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.apache.hc.client5.http.DnsResolver;

/**
 * The HttpClient {@link DnsResolver} for one hop: it answers only for that hop's host, and only with the
 * addresses that were already resolved and checked. HttpClient therefore never looks a name up by itself, so
 * a DNS answer cannot change between the check and the connection (no DNS rebinding window).
 */
final class PinnedDnsResolver implements DnsResolver {

    private final String host;
    private final List<InetAddress> pinned;

    PinnedDnsResolver(final String host, final List<InetAddress> pinned) {
        this.host = host;
        this.pinned = List.copyOf(pinned);
    }

    @Override
    public InetAddress[] resolve(final String requested) throws UnknownHostException {
        if (!matches(requested)) {
            throw new UnknownHostException("no checked address for this host");
        }
        return pinned.toArray(new InetAddress[0]);
    }

    @Override
    public List<InetSocketAddress> resolve(final String requested, final int port) throws UnknownHostException {
        final List<InetSocketAddress> out = new ArrayList<>();
        for (final InetAddress address : resolve(requested)) {
            out.add(new InetSocketAddress(address, port));
        }
        return out;
    }

    @Override
    public String resolveCanonicalHostname(final String requested) throws UnknownHostException {
        if (!matches(requested)) {
            throw new UnknownHostException("no checked address for this host");
        }
        return host;
    }

    private boolean matches(final String requested) {
        if (requested == null) {
            return false;
        }
        String name = requested.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (name.equals(host)) {
            return true;
        }
        // An IP literal may be handed back in another textual form; compare the address bytes.
        byte[] bytes = IpLiterals.parseCanonicalIpv4(name);
        if (bytes == null) {
            bytes = IpLiterals.parseIpv6(name);
        }
        return bytes != null && pinned.size() == 1 && Arrays.equals(bytes, pinned.get(0).getAddress());
    }
}
