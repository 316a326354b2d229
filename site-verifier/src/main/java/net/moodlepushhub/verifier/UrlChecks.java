package net.moodlepushhub.verifier;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks every hop's URL goes through before anything is resolved or connected: {@link Check#URL_SYNTAX},
 * {@link Check#SCHEME}, {@link Check#NO_USER_INFO}, {@link Check#PORT_SYNTAX}, {@link Check#PORT_ALLOWED},
 * {@link Check#IP_LITERAL_CANONICAL} and {@link Check#HOST_SYNTAX}.
 *
 * <p>The authority is parsed here rather than taken from {@link URI#getHost()}, because {@code java.net.URI}
 * returns no host at all for authorities such as {@code 127.1} or {@code 0x7f.0.0.1}; those must be refused as
 * non-canonical IP literals, not waved through as "registry-based" authorities.
 */
final class UrlChecks {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final Pattern HEX_NUMBER = Pattern.compile("0[xX][0-9a-fA-F]*");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    private final Set<Integer> allowedPorts;

    UrlChecks(final Set<Integer> allowedPorts) {
        this.allowedPorts = Set.copyOf(allowedPorts);
    }

    /** Runs all URL checks on one hop's URL, in order. */
    Target check(final URI url) throws CheckFailure {
        checkUrlSyntax(url);
        final String scheme = checkScheme(url);
        checkNoUserInfo(url);

        final String authority = url.getRawAuthority();
        final String hostText;
        final String portText;
        final boolean bracketed = authority.startsWith("[");
        if (bracketed) {
            final int close = authority.indexOf(']');
            if (close < 0) {
                throw new CheckFailure(ProblemType.MALFORMED, Check.HOST_SYNTAX, "the IPv6 literal in the URL is not closed by ']'");
            }
            hostText = authority.substring(1, close);
            final String after = authority.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw new CheckFailure(ProblemType.MALFORMED, Check.HOST_SYNTAX, "unexpected characters after the IPv6 literal in the URL");
            }
            portText = after.isEmpty() ? null : after.substring(1);
        } else {
            final int colon = authority.lastIndexOf(':');
            hostText = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }

        final int defaultPort = "https".equals(scheme) ? 443 : 80;
        final int port = checkPortSyntax(portText, defaultPort);
        checkPortAllowed(port);

        final String host;
        final byte[] literal;
        if (bracketed) {
            host = hostText.toLowerCase(Locale.ROOT);
            literal = checkIpv6Literal(host);
        } else {
            host = hostText.toLowerCase(Locale.ROOT);
            if (endsInNumber(host)) {
                literal = checkIpv4LiteralCanonical(host);
            } else {
                checkHostSyntax(host);
                literal = null;
            }
        }

        final String hostForUri = bracketed ? "[" + host + "]" : host;
        final String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        final String query = url.getRawQuery() == null ? "" : "?" + url.getRawQuery();
        final boolean explicitPort = portText != null && !portText.isEmpty();
        final URI requestUri;
        try {
            requestUri = new URI(scheme + "://" + hostForUri + (explicitPort ? ":" + port : "") + path + query);
        } catch (final URISyntaxException e) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.URL_SYNTAX, "the URL cannot be normalised");
        }
        final String loopKey = scheme + "://" + hostForUri + ":" + port + path + query;
        return new Target(url, requestUri, scheme, host, port,
                literal == null ? null : IpLiterals.toInetAddress(literal), loopKey);
    }

    /** {@link Check#URL_SYNTAX}: absolute, hierarchical, with an authority. */
    private static void checkUrlSyntax(final URI url) throws CheckFailure {
        if (!url.isAbsolute() || url.isOpaque()) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.URL_SYNTAX, "the URL must be absolute, like https://site.example/path");
        }
        if (url.getRawAuthority() == null || url.getRawAuthority().isEmpty()) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.URL_SYNTAX, "the URL has no host");
        }
    }

    /** {@link Check#SCHEME}: only http and https. */
    private static String checkScheme(final URI url) throws CheckFailure {
        final String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.SCHEME, "only http and https URLs can be verified");
        }
        return scheme;
    }

    /** {@link Check#NO_USER_INFO}: no {@code user:password@} in the authority. */
    private static void checkNoUserInfo(final URI url) throws CheckFailure {
        if (url.getRawUserInfo() != null || url.getRawAuthority().indexOf('@') >= 0) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.NO_USER_INFO, "the URL must not contain user information (user@host)");
        }
    }

    /** {@link Check#PORT_SYNTAX}: absent, empty (default port), or a decimal number 1-65535. */
    private static int checkPortSyntax(final String portText, final int defaultPort) throws CheckFailure {
        if (portText == null || portText.isEmpty()) {
            return defaultPort;
        }
        if (!PORT.matcher(portText).matches()) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.PORT_SYNTAX, "the port in the URL is not a number from 1 to 65535");
        }
        final int port = Integer.parseInt(portText);
        if (port < 1 || port > 65535) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.PORT_SYNTAX, "the port in the URL is not a number from 1 to 65535");
        }
        return port;
    }

    /** {@link Check#PORT_ALLOWED}: a policy refusal, hence {@link ProblemType#ADDRESS_REFUSED}, not MALFORMED. */
    private void checkPortAllowed(final int port) throws CheckFailure {
        if (!allowedPorts.contains(port)) {
            throw new CheckFailure(ProblemType.ADDRESS_REFUSED, Check.PORT_ALLOWED,
                    "port " + port + " is not allowed; use one of " + new java.util.TreeSet<>(allowedPorts));
        }
    }

    /** {@link Check#IP_LITERAL_CANONICAL} and {@link Check#HOST_SYNTAX} for a bracketed IPv6 literal. */
    private static byte[] checkIpv6Literal(final String text) throws CheckFailure {
        if (text.indexOf('%') >= 0) {
            throw new CheckFailure(ProblemType.ADDRESS_REFUSED, Check.IP_LITERAL_CANONICAL,
                    "IPv6 literals with a zone identifier are not allowed");
        }
        final byte[] bytes = IpLiterals.parseIpv6(text);
        if (bytes == null) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.HOST_SYNTAX, "the IPv6 literal in the URL is not valid");
        }
        return bytes;
    }

    /**
     * {@link Check#IP_LITERAL_CANONICAL}: a host that ends in a number is an IPv4 literal to browsers and
     * {@code inet_aton}, in any of its legacy forms ({@code 2130706433}, {@code 0177.0.0.1}, {@code 127.1},
     * {@code 0x7f.0.0.1}, {@code 127.0.0.1.}). Only the canonical dotted-quad form is accepted.
     */
    private static byte[] checkIpv4LiteralCanonical(final String host) throws CheckFailure {
        final byte[] bytes = IpLiterals.parseCanonicalIpv4(host);
        if (bytes == null) {
            throw new CheckFailure(ProblemType.ADDRESS_REFUSED, Check.IP_LITERAL_CANONICAL,
                    "the host looks like an IP address in a non-canonical form; only dotted-quad IPv4 "
                            + "(like 192.0.2.1) and bracketed IPv6 literals are accepted");
        }
        return bytes;
    }

    /** {@link Check#HOST_SYNTAX}: an ASCII DNS name of letters, digits and hyphens, no trailing dot. */
    private static void checkHostSyntax(final String host) throws CheckFailure {
        if (host.isEmpty()) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.HOST_SYNTAX, "the URL has no host");
        }
        if (host.endsWith(".")) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.HOST_SYNTAX, "the host name must not end with a dot");
        }
        if (host.length() > 253) {
            throw new CheckFailure(ProblemType.MALFORMED, Check.HOST_SYNTAX, "the host name is longer than 253 characters");
        }
        for (final String label : host.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new CheckFailure(ProblemType.MALFORMED, Check.HOST_SYNTAX,
                        "the host name is not a valid DNS name (internationalised names must be given in "
                                + "their ASCII xn-- form)");
            }
        }
    }

    /**
     * The WHATWG URL standard's "ends in a number" test: the last label (ignoring one trailing dot) is all
     * decimal digits or {@code 0x} followed by hex digits. Such hosts are IPv4 addresses to URL parsers and to
     * {@code inet_aton}, never DNS names.
     */
    static boolean endsInNumber(final String host) {
        final String trimmed = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        final String last = trimmed.substring(trimmed.lastIndexOf('.') + 1);
        if (last.isEmpty()) {
            return false;
        }
        return DIGITS.matcher(last).matches() || HEX_NUMBER.matcher(last).matches();
    }
}
