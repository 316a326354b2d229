package net.moodlepushhub.verifier;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The table of IPv4 and IPv6 ranges the verifier never connects to (unless configured otherwise): private,
 * loopback, link-local, shared, documentation, benchmarking, multicast, reserved, and the IPv6 transition
 * ranges that embed or translate to IPv4 addresses.
 *
 * <p>Based on the IANA special-purpose address registries and on the list Let's Encrypt Boulder refuses
 * ({@code bdns/dns.go}). Entries marked "addition" go beyond the list in the module brief; each is either
 * not globally routable or can carry an IPv4 address that would bypass the IPv4 checks.
 */
final class ReservedRanges {

    /** A reserved range and why it is reserved. */
    static final class Range {
        final Cidr cidr;
        final String description;

        Range(final String cidr, final String description) {
            this.cidr = Cidr.parse(cidr);
            this.description = description;
        }

        @Override
        public String toString() {
            return cidr + " (" + description + ")";
        }
    }

    /** IPv4 ranges; checked in order, so more specific entries come first where ranges overlap. */
    static final List<Range> IPV4 = List.of(
            new Range("0.0.0.0/8", "\"this\" network"),
            new Range("10.0.0.0/8", "private-use"),
            new Range("100.64.0.0/10", "shared address space"),
            new Range("127.0.0.0/8", "loopback"),
            new Range("169.254.0.0/16", "link-local"),
            new Range("172.16.0.0/12", "private-use"),
            new Range("192.0.0.0/24", "IETF protocol assignments"),
            new Range("192.0.2.0/24", "documentation"),
            new Range("192.88.99.0/24", "6to4 relay anycast"), // addition (Boulder refuses it too)
            new Range("192.168.0.0/16", "private-use"),
            new Range("198.18.0.0/15", "benchmarking"),
            new Range("198.51.100.0/24", "documentation"),
            new Range("203.0.113.0/24", "documentation"),
            new Range("224.0.0.0/4", "multicast"),
            new Range("255.255.255.255/32", "limited broadcast"),
            new Range("240.0.0.0/4", "reserved"));

    private static final Range IPV4_MAPPED = new Range("::ffff:0:0/96", "IPv4-mapped");

    /** IPv6 ranges; checked in order, so more specific entries come first where ranges overlap. */
    static final List<Range> IPV6 = List.of(
            new Range("::/128", "unspecified"),
            new Range("::1/128", "loopback"),
            new Range("::/96", "IPv4-compatible (deprecated)"), // addition: embeds an IPv4 address
            IPV4_MAPPED,
            new Range("64:ff9b::/96", "IPv4/IPv6 translation"),
            new Range("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"), // addition (Boulder)
            new Range("100::/64", "discard-only"),
            new Range("2001:db8::/32", "documentation"),
            new Range("2001::/23", "IETF protocol assignments, incl. Teredo"), // addition (Boulder)
            new Range("2002::/16", "6to4"),
            new Range("fc00::/7", "unique-local"),
            new Range("fe80::/10", "link-local"),
            new Range("fec0::/10", "site-local (deprecated)"), // addition
            new Range("ff00::/8", "multicast"));

    private ReservedRanges() {
    }

    /**
     * Finds the reserved range an address is in.
     *
     * @param address an IPv4 or IPv6 address
     * @return the first matching range, or empty if the address is not reserved
     */
    static Optional<Range> find(final InetAddress address) {
        return find(address.getAddress());
    }

    static Optional<Range> find(final byte[] bytes) {
        for (final Range range : bytes.length == 4 ? IPV4 : IPV6) {
            if (range.cidr.contains(bytes)) {
                return Optional.of(range);
            }
        }
        return Optional.empty();
    }

    /**
     * Describes why an address is refused, for problem details: the range and, for IPv4-mapped addresses,
     * the range of the embedded IPv4 address.
     *
     * @return the explanation, or empty if the address is not reserved
     */
    static Optional<String> explain(final InetAddress address) {
        final byte[] bytes = address.getAddress();
        final Optional<Range> range = find(bytes);
        if (range.isEmpty()) {
            return Optional.empty();
        }
        if (range.get() == IPV4_MAPPED) {
            // Refused in general; also report what the embedded IPv4 address is, checked by the IPv4 rules.
            final Optional<Range> embedded = find(Arrays.copyOfRange(bytes, 12, 16));
            return Optional.of(range.get() + embedded.map(r -> "; the embedded IPv4 address is in " + r)
                    .orElse("; IPv4-mapped addresses are never connected to"));
        }
        return Optional.of(range.get().toString());
    }
}
