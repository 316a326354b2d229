package net.moodlepushhub.verifier;

import java.util.Arrays;
import java.util.Objects;

/** An IPv4 or IPv6 address range in CIDR notation, e.g. {@code 10.0.0.0/8} or {@code fc00::/7}. */
final class Cidr {

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(final byte[] network, final int prefixLength, final String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /**
     * Parses {@code address/prefix}. The address must be a canonical dotted-quad IPv4 address or an IPv6
     * address; a bare address means a single-address range.
     *
     * @throws IllegalArgumentException if {@code cidr} is not valid, or has bits set beyond the prefix
     */
    static Cidr parse(final String cidr) {
        Objects.requireNonNull(cidr, "cidr");
        final int slash = cidr.indexOf('/');
        final String addressText = slash < 0 ? cidr : cidr.substring(0, slash);
        byte[] address = IpLiterals.parseCanonicalIpv4(addressText);
        if (address == null) {
            address = IpLiterals.parseIpv6(addressText);
        }
        if (address == null) {
            throw new IllegalArgumentException("not an IP address range: " + cidr);
        }
        final int bits = address.length * 8;
        final int prefix;
        if (slash < 0) {
            prefix = bits;
        } else {
            final String p = cidr.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("bad prefix length in " + cidr);
            }
            prefix = Integer.parseInt(p);
        }
        for (int bit = prefix; bit < bits; bit++) {
            if ((address[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new IllegalArgumentException("host bits set beyond the prefix in " + cidr);
            }
        }
        return new Cidr(address, prefix, cidr);
    }

    /** Tells whether the address is in this range; addresses of the other family never are. */
    boolean contains(final byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        final int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        final int remainingBits = prefixLength % 8;
        if (remainingBits == 0) {
            return true;
        }
        final int mask = (0xFF << (8 - remainingBits)) & 0xFF;
        return (address[fullBytes] & mask) == (network[fullBytes] & mask);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Cidr && prefixLength == ((Cidr) o).prefixLength && Arrays.equals(network, ((Cidr) o).network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }
}
