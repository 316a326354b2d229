package net.moodlepushhub.verifier;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link HostResolver} backed by a fixed table, counting lookups per name. */
final class TestResolver implements HostResolver {

    private final Map<String, List<InetAddress>> table = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    TestResolver map(final String host, final String... addresses) {
        final InetAddress[] resolved = new InetAddress[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            resolved[i] = address(addresses[i]);
        }
        return map(host, List.of(resolved));
    }

    TestResolver map(final String host, final List<InetAddress> addresses) {
        table.put(host, addresses);
        return this;
    }

    /** Parses a literal without any lookup; keeps IPv4-mapped IPv6 literals as Inet6Address. */
    static InetAddress address(final String literal) {
        byte[] bytes = IpLiterals.parseCanonicalIpv4(literal);
        if (bytes == null) {
            bytes = IpLiterals.parseIpv6(literal);
        }
        if (bytes == null) {
            throw new IllegalArgumentException(literal);
        }
        return IpLiterals.toInetAddress(bytes);
    }

    @Override
    public List<InetAddress> resolve(final String host) throws UnknownHostException {
        calls.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
        final List<InetAddress> addresses = table.get(host);
        if (addresses == null) {
            throw new UnknownHostException(host);
        }
        return addresses;
    }

    int calls(final String host) {
        final AtomicInteger n = calls.get(host);
        return n == null ? 0 : n.get();
    }

    int totalCalls() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }
}
