package net.moodlepushhub.verifier;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Strict parsing of textual IP addresses, without any name-service lookup.
 *
 * <p>Deliberately hand-written rather than {@link InetAddress#getByName(String)}: the JDK accepts legacy IPv4
 * forms ({@code 127.1}, in some versions decimal integers) and silently turns IPv4-mapped IPv6 literals
 * into {@link java.net.Inet4Address}, losing the information that the URL used a mapped form.
 */
final class IpLiterals {

    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final Pattern CANONICAL_IPV4 = Pattern.compile(OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET);
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");

    private IpLiterals() {
    }

    /**
     * Parses a canonical dotted-quad IPv4 address: exactly four decimal octets 0-255, no leading zeros.
     *
     * @return the 4 address bytes, or {@code null} if {@code text} is not canonical dotted-quad
     */
    static byte[] parseCanonicalIpv4(final String text) {
        if (text == null || !CANONICAL_IPV4.matcher(text).matches()) {
            return null;
        }
        final String[] parts = text.split("\\.");
        final byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            out[i] = (byte) Integer.parseInt(parts[i]);
        }
        return out;
    }

    /**
     * Parses an IPv6 address in RFC 4291 text form (with optional {@code ::} and optional trailing canonical
     * dotted-quad). Zone identifiers are not accepted.
     *
     * @return the 16 address bytes, or {@code null} if {@code text} is not a valid IPv6 address
     */
    static byte[] parseIpv6(final String text) {
        if (text == null || text.isEmpty() || text.indexOf('%') >= 0) {
            return null;
        }
        final int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            return null;
        }
        String left = doubleColon >= 0 ? text.substring(0, doubleColon) : text;
        String right = doubleColon >= 0 ? text.substring(doubleColon + 2) : null;

        // An embedded dotted-quad may only appear as the very last part.
        byte[] ipv4 = null;
        final String last = right != null ? right : left;
        final int lastColon = last.lastIndexOf(':');
        final String tail = last.substring(lastColon + 1);
        if (tail.indexOf('.') >= 0) {
            ipv4 = parseCanonicalIpv4(tail);
            if (ipv4 == null) {
                return null;
            }
            final String rest = lastColon >= 0 ? last.substring(0, lastColon) : "";
            if (lastColon >= 0 && rest.isEmpty()) {
                return null; // ":1.2.3.4" fragment: a lone leading colon
            }
            if (right != null) {
                right = rest;
            } else {
                left = rest;
            }
        }
        final int[] leftGroups = groups(left);
        final int[] rightGroups = right == null ? new int[0] : groups(right);
        if (leftGroups == null || rightGroups == null) {
            return null;
        }
        final int count = leftGroups.length + rightGroups.length + (ipv4 != null ? 2 : 0);
        if (doubleColon < 0 ? count != 8 : count > 7) {
            return null;
        }
        final byte[] out = new byte[16];
        int i = 0;
        for (final int g : leftGroups) {
            out[i++] = (byte) (g >>> 8);
            out[i++] = (byte) g;
        }
        i = 16 - (rightGroups.length * 2) - (ipv4 != null ? 4 : 0);
        for (final int g : rightGroups) {
            out[i++] = (byte) (g >>> 8);
            out[i++] = (byte) g;
        }
        if (ipv4 != null) {
            System.arraycopy(ipv4, 0, out, 12, 4);
        }
        return out;
    }

    private static int[] groups(final String part) {
        if (part.isEmpty()) {
            return new int[0];
        }
        final String[] items = part.split(":", -1);
        final int[] out = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            if (!HEX_GROUP.matcher(items[i]).matches()) {
                return null;
            }
            out[i] = Integer.parseInt(items[i], 16);
        }
        return out;
    }

    /**
     * Turns raw address bytes into an {@link InetAddress} without any lookup, keeping 16-byte IPv4-mapped
     * addresses as {@link Inet6Address} (which {@link InetAddress#getByAddress(byte[])} would not).
     */
    static InetAddress toInetAddress(final byte[] bytes) {
        try {
            if (bytes.length == 16) {
                return Inet6Address.getByAddress(null, bytes, -1);
            }
            return InetAddress.getByAddress(bytes);
        } catch (final UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + bytes.length, e);
        }
    }
}
