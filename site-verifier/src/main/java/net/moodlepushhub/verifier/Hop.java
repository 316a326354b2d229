package net.moodlepushhub.verifier;

import java.net.URI;
import java.util.Objects;

/**
 * One request of a verification: the URL fetched (the challenge URL, then each redirect target), the address
 * actually connected to, and the HTTP status received.
 *
 * <p>A hop refused before connecting (bad URL, refused address, DNS failure) has no
 * {@linkplain #address() address} and a {@linkplain #status() status} of {@code -1}. A hop that connected but
 * received no complete status line (TLS failure, timeout) has an address and status {@code -1}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Hop {

    private final URI url;
    private final String address;
    private final int status;

    /**
     * Creates a hop.
     *
     * @param url     the URL of this hop
     * @param address the textual IP address connected to, or {@code null} if no connection was made
     * @param status  the HTTP status code received, or {@code -1} if none
     * @throws NullPointerException if {@code url} is {@code null}
     */
    public Hop(final URI url, final String address, final int status) {
        this.url = Objects.requireNonNull(url, "url");
        this.address = address;
        this.status = status;
    }

    /**
     * Returns the URL requested in this hop, as given (the challenge URL) or as resolved from the previous
     * hop's {@code Location} header.
     *
     * @return the URL; never {@code null}
     */
    public URI url() {
        return url;
    }

    /**
     * Returns the checked address the verifier connected to, e.g. {@code "203.0.113.7"} or
     * {@code "2001:db8:0:0:0:0:0:1"} (as {@link java.net.InetAddress#getHostAddress()} formats it).
     *
     * @return the address, or {@code null} if this hop was refused or failed before a connection was made
     */
    public String address() {
        return address;
    }

    /**
     * Returns the HTTP status code of the response to this hop.
     *
     * @return the status code, or {@code -1} if no response status was received
     */
    public int status() {
        return status;
    }

    /**
     * Returns {@code url -> address status}.
     *
     * @return a description of this hop
     */
    @Override
    public String toString() {
        return url + " -> " + (address == null ? "(not connected)" : address) + " " + status;
    }

    /**
     * Compares URL, address and status.
     *
     * @param o the object to compare with
     * @return whether {@code o} is an equal hop
     */
    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Hop)) {
            return false;
        }
        final Hop other = (Hop) o;
        return status == other.status && url.equals(other.url) && Objects.equals(address, other.address);
    }

    /**
     * Returns a hash code consistent with {@link #equals(Object)}.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Objects.hash(url, address, status);
    }
}
