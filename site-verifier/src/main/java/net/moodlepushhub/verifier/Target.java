package net.moodlepushhub.verifier;

import java.net.InetAddress;
import java.net.URI;

/** One hop's URL after it passed the URL checks: what to connect to and what to request. */
final class Target {

    /** The URL as given or as resolved from a {@code Location} header. */
    final URI url;
    /** What is requested: scheme, lower-case host, port as written, path and query; no user-info or fragment. */
    final URI requestUri;
    /** {@code http} or {@code https}. */
    final String scheme;
    /** Lower-case host name, or IP literal text (IPv6 without brackets). */
    final String host;
    /** The effective port. */
    final int port;
    /** The address of an IP literal host, or {@code null} for a host name that needs resolving. */
    final InetAddress literal;
    /** Identifies the resource for redirect loop detection. */
    final String loopKey;

    Target(final URI url, final URI requestUri, final String scheme, final String host, final int port,
           final InetAddress literal, final String loopKey) {
        this.url = url;
        this.requestUri = requestUri;
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.literal = literal;
        this.loopKey = loopKey;
    }

    /** Host and port for problem details, e.g. {@code site.example port 443} or {@code [2001:db8::1] port 80}. */
    String describe() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + " port " + port;
    }
}
