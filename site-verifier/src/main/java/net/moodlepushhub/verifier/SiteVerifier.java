package net.moodlepushhub.verifier;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;

/**
 * Proves that a site's administrator controls a URL by fetching a challenge URL on the site and comparing the
 * response body with the expected content, in the manner of ACME HTTP-01 validation (modelled on Let's Encrypt
 * Boulder's {@code va/http.go}), while refusing to be used for server-side request forgery.
 *
 * <pre>{@code
 * SiteVerifier verifier = SiteVerifier.builder()
 *     .connectTimeout(Duration.ofSeconds(5))
 *     .totalTimeout(Duration.ofSeconds(10))
 *     .build();
 * VerificationResult result = verifier.verify(URI.create("https://moodle.example/push-challenge.txt"), token);
 * if (!result.isValid()) {
 *     VerificationProblem problem = result.problem().orElseThrow();
 *     // problem.type().slug(), problem.detail() are safe to show to the site administrator
 * }
 * }</pre>
 *
 * <h2>What a verification does</h2>
 * For the challenge URL and then for every redirect target (each a "hop"), all of these checks run, in order;
 * the first that fails ends the verification with a typed {@link VerificationProblem} naming the {@link Check}:
 * <ol>
 *   <li>URL checks: absolute URL, scheme {@code http} or {@code https}, no user-info, port syntax, port in the
 *       allowed set ({@link ProblemType#ADDRESS_REFUSED} otherwise), IP literals only in canonical form
 *       (non-canonical forms such as {@code 2130706433}, {@code 0177.0.0.1}, {@code 127.1} or {@code 0x7f.0.0.1}
 *       are refused outright), host names only as ASCII DNS names.</li>
 *   <li>Resolution: the host name is resolved once (all A and AAAA records) with the configured
 *       {@link HostResolver}; no addresses is a {@link ProblemType#DNS} problem.</li>
 *   <li>Address checks: if <em>any</em> address (or the IP literal) is in a reserved or private range the hop
 *       is refused, before any connection is made.</li>
 *   <li>Fetch: a GET with Apache HttpClient 5 whose DNS resolver returns only the checked addresses (pinning:
 *       there is no second lookup), with the host name in the {@code Host} header and in TLS SNI, the
 *       certificate verified against the host name, TLS 1.2 or later.</li>
 *   <li>Redirects: only 301, 302, 307 and 308 are followed, at most {@code maxRedirects}, never to a URL already
 *       visited; {@code Location} is resolved against the current URL. A redirect from {@code https} to
 *       {@code http} is followed (as Boulder does): the redirect was sent over the authenticated connection,
 *       so it is the site's own choice, and the target must pass every check like any other hop.</li>
 *   <li>The final response must be a 200 whose body is at most {@code maxBodyBytes} bytes and, decoded as
 *       UTF-8 with trailing whitespace removed, equals the expected content exactly.</li>
 * </ol>
 * The whole verification, including name resolution, every hop and every body, is bounded by
 * {@code totalTimeout}; a server that trickles its response is cut off at the deadline.
 *
 * <h2>Threads and connections</h2>
 * A {@code SiteVerifier} is immutable and thread-safe; share one instance. Every hop of every verification
 * opens its own connection, which is closed when the hop ends and never pooled or reused. Deadlines and name
 * resolution use two small pools of daemon threads shared by all instances, so there is nothing to close.
 *
 * <h2>What never leaves the verifier</h2>
 * Nothing the site returns (body, header values, reason phrase, certificate fields) appears in a problem detail
 * or in a result; the verifier logs nothing.
 */
public final class SiteVerifier {

    private final boolean allowPrivateNetworks;
    private final Set<Integer> allowedPorts;
    private final List<String> allowedPrivateRanges;
    private final Duration connectTimeout;
    private final Duration totalTimeout;
    private final int maxRedirects;
    private final int maxBodyBytes;
    private final HostResolver resolver;
    private final String userAgent;

    private final UrlChecks urlChecks;
    private final AddressPolicy addressPolicy;
    private final HopFetcher fetcher;

    private SiteVerifier(final Builder b, final SSLContext sslContext, final List<Cidr> ranges) {
        this.allowPrivateNetworks = b.allowPrivateNetworks;
        this.allowedPorts = Set.copyOf(b.allowedPorts);
        this.allowedPrivateRanges = List.copyOf(b.allowedPrivateRanges);
        this.connectTimeout = b.connectTimeout;
        this.totalTimeout = b.totalTimeout;
        this.maxRedirects = b.maxRedirects;
        this.maxBodyBytes = b.maxBodyBytes;
        this.resolver = b.resolver;
        this.userAgent = b.userAgent;
        this.urlChecks = new UrlChecks(allowedPorts);
        this.addressPolicy = new AddressPolicy(allowPrivateNetworks, ranges);
        this.fetcher = new HopFetcher(connectTimeout, maxBodyBytes, userAgent, sslContext, b.connectFilter);
    }

    /**
     * Returns a builder with the production defaults: private networks refused, ports 80 and 443, 5 s connect
     * timeout, 10 s total timeout, 3 redirects, 1 KiB body, system DNS, JVM default trust.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Verifies that {@code challengeUrl} serves {@code expectedContent}.
     *
     * <p>Blocks for at most about the configured total timeout. Never throws for anything the site or the
     * network does: every failure is returned as a result with a {@link VerificationProblem}. If the calling
     * thread is interrupted the verification ends with a {@link ProblemType#TIMEOUT} problem and the interrupt
     * status is kept.
     *
     * @param challengeUrl    the URL to fetch, {@code http} or {@code https}
     * @param expectedContent the exact content the site must serve (compared after removing trailing
     *                        whitespace from the body only)
     * @return the result; never {@code null}
     * @throws NullPointerException if an argument is {@code null}
     */
    public VerificationResult verify(final URI challengeUrl, final String expectedContent) {
        Objects.requireNonNull(challengeUrl, "challengeUrl");
        Objects.requireNonNull(expectedContent, "expectedContent");
        return run(challengeUrl, false, body -> {
            checkBodySize(body);
            checkContentMatches(body, expectedContent);
        });
    }

    /**
     * Decides whether a fetched page proves ownership, for {@link #verifyPage(URI, PageCheck)}.
     */
    @FunctionalInterface
    public interface PageCheck {
        /**
         * @param body the page's first bytes, at most {@code maxBodyBytes} (a longer page is cut, not refused)
         * @return empty when the page passes, otherwise a detail that is safe to show (it must not quote the page)
         */
        Optional<String> check(byte[] body);
    }

    /**
     * Verifies that a site's page passes {@code check}: the same SSRF checks, pinning and deadline as
     * {@link #verify(URI, String)}, but made for an ordinary page rather than a challenge file: redirects with
     * status 303 are followed too (Moodle's {@code redirect()} answers 303, e.g. to the login page of a site
     * with forced login), and a page longer than {@code maxBodyBytes} is cut to that length instead of refused.
     * A page that fails the check ends with {@link ProblemType#UNAUTHORIZED} / {@link Check#CONTENT_MATCHES}.
     *
     * @param pageUrl the page to fetch, {@code http} or {@code https}
     * @param check   decides on the body
     * @return the result; never {@code null}
     */
    public VerificationResult verifyPage(final URI pageUrl, final PageCheck check) {
        Objects.requireNonNull(pageUrl, "pageUrl");
        Objects.requireNonNull(check, "check");
        return run(pageUrl, true, body -> {
            final byte[] head = body.length > maxBodyBytes ? java.util.Arrays.copyOf(body, maxBodyBytes) : body;
            final Optional<String> refusal = check.check(head);
            if (refusal.isPresent()) {
                throw new CheckFailure(ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES, refusal.get());
            }
        });
    }

    /** The final check of a verification, on the body of the last hop. */
    private interface BodyCheck {
        void check(byte[] body) throws CheckFailure;
    }

    private VerificationResult run(final URI challengeUrl, final boolean followSeeOther, final BodyCheck bodyCheck) {
        final Deadline deadline = Deadline.after(totalTimeout);
        final List<Hop> hops = new ArrayList<>();
        final Set<String> visited = new HashSet<>();
        URI url = challengeUrl;
        int redirects = 0;
        while (true) {
            final HopFetcher.Outcome outcome;
            try {
                final Target target = urlChecks.check(url);
                checkRedirectLoop(target, visited);
                checkDeadline(deadline, "before fetching " + target.describe());
                final List<InetAddress> addresses = target.literal != null
                        ? List.of(target.literal)
                        : checkDnsResolves(target, deadline);
                checkAddressesAllowed(target, addresses);
                outcome = fetcher.fetch(target, addresses, deadline);
            } catch (final CheckFailure failure) {
                hops.add(new Hop(url, null, -1));
                return VerificationResult.failure(failure.problem(), hops);
            }
            hops.add(new Hop(url, outcome.connected == null ? null : outcome.connected.getHostAddress(), outcome.status));
            if (outcome.problem != null) {
                return VerificationResult.failure(outcome.problem, hops);
            }
            try {
                if (outcome.status >= 300 && outcome.status < 400) {
                    if (!(followSeeOther && outcome.status == 303)) {
                        checkRedirectStatus(outcome.status);
                    }
                    checkRedirectLimit(redirects);
                    url = checkRedirectLocation(url, outcome.locations);
                    redirects++;
                    continue;
                }
                checkStatusOk(outcome.status);
                bodyCheck.check(outcome.body);
                return VerificationResult.success(hops);
            } catch (final CheckFailure failure) {
                return VerificationResult.failure(failure.problem(), hops);
            }
        }
    }

    /**
     * Verifies that the URL given as text serves {@code expectedContent}; a convenience for URLs that come
     * straight from user input. Text that is not a URI at all ends as a {@link ProblemType#MALFORMED} result
     * with no hops instead of an exception; everything else behaves as {@link #verify(URI, String)}.
     *
     * @param challengeUrl    the URL to fetch, as text
     * @param expectedContent the exact content the site must serve
     * @return the result; never {@code null}
     * @throws NullPointerException if an argument is {@code null}
     */
    public VerificationResult verify(final String challengeUrl, final String expectedContent) {
        Objects.requireNonNull(challengeUrl, "challengeUrl");
        Objects.requireNonNull(expectedContent, "expectedContent");
        final URI url;
        try {
            url = new URI(challengeUrl);
        } catch (final URISyntaxException e) {
            return VerificationResult.failure(VerificationProblem.of(ProblemType.MALFORMED, Check.URL_SYNTAX,
                    "the URL is not valid (for example, it contains spaces or unencoded characters)"));
        }
        return verify(url, expectedContent);
    }

    // ---- the named checks (URL checks are in UrlChecks) ----

    /** {@link Check#REDIRECT_LOOP}: every hop's resource is fetched at most once per verification. */
    private static void checkRedirectLoop(final Target target, final Set<String> visited) throws CheckFailure {
        if (!visited.add(target.loopKey)) {
            throw new CheckFailure(ProblemType.REDIRECT, Check.REDIRECT_LOOP, "the redirects form a loop");
        }
    }

    /** {@link Check#DEADLINE}: time is left. */
    private static void checkDeadline(final Deadline deadline, final String phase) throws CheckFailure {
        if (deadline.expired()) {
            final VerificationProblem p = HopFetcher.timeout(deadline, phase);
            throw new CheckFailure(p.type(), p.check(), p.detail());
        }
    }

    /** {@link Check#DNS_RESOLVES}: one lookup, at least one address, within the deadline. */
    private List<InetAddress> checkDnsResolves(final Target target, final Deadline deadline) throws CheckFailure {
        final Future<List<InetAddress>> lookup;
        try {
            lookup = VerifierThreads.dns().submit(() -> resolver.resolve(target.host));
        } catch (final RejectedExecutionException e) {
            throw new CheckFailure(ProblemType.DNS, Check.DNS_RESOLVES, "the host name " + target.host + " could not be resolved now");
        }
        final List<InetAddress> addresses;
        try {
            addresses = lookup.get(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS);
        } catch (final TimeoutException e) {
            lookup.cancel(true);
            final VerificationProblem p = HopFetcher.timeout(deadline, "while resolving " + target.host);
            throw new CheckFailure(p.type(), p.check(), p.detail());
        } catch (final InterruptedException e) {
            lookup.cancel(true);
            Thread.currentThread().interrupt();
            throw new CheckFailure(ProblemType.TIMEOUT, Check.DEADLINE, "the verification was interrupted");
        } catch (final ExecutionException e) {
            throw new CheckFailure(ProblemType.DNS, Check.DNS_RESOLVES, "the host name " + target.host + " could not be resolved");
        }
        if (addresses == null || addresses.isEmpty()) {
            throw new CheckFailure(ProblemType.DNS, Check.DNS_RESOLVES, "the host name " + target.host + " has no A or AAAA records");
        }
        for (final InetAddress address : addresses) {
            if (address == null) {
                throw new CheckFailure(ProblemType.DNS, Check.DNS_RESOLVES, "the host name " + target.host + " could not be resolved");
            }
        }
        return List.copyOf(addresses);
    }

    /**
     * {@link Check#ADDRESS_ALLOWED}: refuse the hop if any address is reserved, even if others are not: a
     * client may connect to any of them, and an attacker controls which.
     */
    private void checkAddressesAllowed(final Target target, final List<InetAddress> addresses) throws CheckFailure {
        for (final InetAddress address : addresses) {
            final Optional<String> refusal = addressPolicy.refusal(address);
            if (refusal.isPresent()) {
                final String what = target.literal != null
                        ? "the address " + target.host + " is"
                        : "the host name " + target.host + " resolves to an address that is";
                throw new CheckFailure(ProblemType.ADDRESS_REFUSED, Check.ADDRESS_ALLOWED,
                        what + " in a reserved range: " + refusal.get());
            }
        }
    }

    /** {@link Check#REDIRECT_STATUS}: only 301, 302, 307 and 308 are followed. */
    private static void checkRedirectStatus(final int status) throws CheckFailure {
        if (status != 301 && status != 302 && status != 307 && status != 308) {
            throw new CheckFailure(ProblemType.REDIRECT, Check.REDIRECT_STATUS,
                    "the site answered with status " + status + "; only redirects with 301, 302, 307 or 308 are followed");
        }
    }

    /** {@link Check#REDIRECT_LIMIT}: at most {@code maxRedirects} redirects. */
    private void checkRedirectLimit(final int redirectsSoFar) throws CheckFailure {
        if (redirectsSoFar >= maxRedirects) {
            throw new CheckFailure(ProblemType.REDIRECT, Check.REDIRECT_LIMIT, "too many redirects (more than " + maxRedirects + ")");
        }
    }

    /** {@link Check#REDIRECT_LOCATION}: exactly one {@code Location}, a valid URI, resolved against the current URL. */
    private static URI checkRedirectLocation(final URI current, final List<String> locations) throws CheckFailure {
        if (locations.size() != 1) {
            throw new CheckFailure(ProblemType.REDIRECT, Check.REDIRECT_LOCATION,
                    locations.isEmpty() ? "the redirect has no Location header" : "the redirect has more than one Location header");
        }
        if (locations.get(0).isBlank()) {
            throw new CheckFailure(ProblemType.REDIRECT, Check.REDIRECT_LOCATION, "the redirect's Location header is empty");
        }
        final URI location;
        try {
            location = new URI(locations.get(0).trim());
        } catch (final URISyntaxException e) {
            throw new CheckFailure(ProblemType.REDIRECT, Check.REDIRECT_LOCATION, "the redirect's Location header is not a valid URI");
        }
        final URI resolved = current.resolve(location);
        try {
            // The fragment is never sent; drop it so that it cannot hide a loop.
            return resolved.getRawFragment() == null ? resolved
                    : new URI(resolved.toString().substring(0, resolved.toString().indexOf('#')));
        } catch (final URISyntaxException e) {
            throw new CheckFailure(ProblemType.REDIRECT, Check.REDIRECT_LOCATION, "the redirect's Location header is not a valid URI");
        }
    }

    /** {@link Check#STATUS_OK}: the final status must be 200. */
    private static void checkStatusOk(final int status) throws CheckFailure {
        if (status != 200) {
            throw new CheckFailure(ProblemType.UNAUTHORIZED, Check.STATUS_OK,
                    "the site answered with status " + status + " instead of 200");
        }
    }

    /** {@link Check#BODY_SIZE}: at most {@code maxBodyBytes}; the fetcher read at most one byte more. */
    private void checkBodySize(final byte[] body) throws CheckFailure {
        if (body.length > maxBodyBytes) {
            throw new CheckFailure(ProblemType.TOO_LARGE, Check.BODY_SIZE,
                    "the content served is larger than " + maxBodyBytes + " bytes");
        }
    }

    /** {@link Check#CONTENT_MATCHES}: UTF-8, trailing whitespace trimmed, exactly equal. */
    private static void checkContentMatches(final byte[] body, final String expected) throws CheckFailure {
        final String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (final CharacterCodingException e) {
            throw new CheckFailure(ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES,
                    "the content served does not match the challenge (it is not valid UTF-8)");
        }
        final byte[] actual = text.stripTrailing().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(actual, expected.getBytes(StandardCharsets.UTF_8))) {
            throw new CheckFailure(ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES, "the content served does not match the challenge");
        }
    }

    /**
     * Returns the configuration of this verifier (never the SSL context or resolver internals).
     *
     * @return a description of this verifier
     */
    @Override
    public String toString() {
        return "SiteVerifier{allowPrivateNetworks=" + allowPrivateNetworks + ", allowedPrivateRanges=" + allowedPrivateRanges
                + ", allowedPorts=" + allowedPorts + ", connectTimeout=" + connectTimeout + ", totalTimeout=" + totalTimeout
                + ", maxRedirects=" + maxRedirects + ", maxBodyBytes=" + maxBodyBytes + ", userAgent=" + userAgent + "}";
    }

    /**
     * Builds {@link SiteVerifier} instances. Not thread-safe; each {@link #build()} returns an independent,
     * immutable verifier.
     */
    public static final class Builder {

        /** The largest accepted {@link #maxBodyBytes(int)}: 1 MiB. */
        public static final int MAX_BODY_BYTES_LIMIT = 1 << 20;

        /** The largest accepted {@link #maxRedirects(int)}. */
        public static final int MAX_REDIRECTS_LIMIT = 20;

        private boolean allowPrivateNetworks = false;
        private Set<Integer> allowedPorts = Set.of(80, 443);
        private List<String> allowedPrivateRanges = List.of();
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration totalTimeout = Duration.ofSeconds(10);
        private int maxRedirects = 3;
        private int maxBodyBytes = 1024;
        private HostResolver resolver = HostResolver.system();
        private SSLContext sslContext;
        private String userAgent = "moodle-push-hub-verifier/1";
        private Predicate<InetAddress> connectFilter = address -> true;

        private Builder() {
        }

        /**
         * Test hook, deliberately not public: a last filter applied to the socket address right before
         * connecting, after all checks. Tests set it to loopback-only so that even a regression in the range
         * checks can never send a packet off the machine.
         */
        Builder connectFilter(final Predicate<InetAddress> filter) {
            this.connectFilter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /**
         * Whether to connect to reserved and private addresses at all (loopback, RFC 1918, link-local, ...).
         * Default {@code false}. {@code true} disables the whole reserved-range table, so it is only for
         * development and tests; to allow just one range use {@link #allowedPrivateRanges(Collection)}.
         *
         * @param allow {@code true} to skip the reserved-range check
         * @return this builder
         */
        public Builder allowPrivateNetworks(final boolean allow) {
            this.allowPrivateNetworks = allow;
            return this;
        }

        /**
         * Reserved ranges to allow anyway, in CIDR notation (e.g. {@code "127.0.0.0/8"}, {@code "fd00::/8"}),
         * while every other reserved range stays refused. Default: none. Useful for tests on loopback, or for a
         * hub that must verify sites on a known internal network. An IPv4 range never matches an IPv4-mapped
         * IPv6 address, so mapped addresses stay refused.
         *
         * @param cidrs the ranges; canonical dotted-quad IPv4 or IPv6 address, {@code /} and prefix length
         * @return this builder
         * @throws NullPointerException if {@code cidrs} or an element is {@code null}
         * @throws IllegalArgumentException if a range is not valid CIDR notation
         */
        public Builder allowedPrivateRanges(final Collection<String> cidrs) {
            final List<String> copy = List.copyOf(cidrs);
            copy.forEach(Cidr::parse);
            this.allowedPrivateRanges = copy;
            return this;
        }

        /**
         * The ports URLs may use, explicitly or by scheme default. Default {@code {80, 443}}. A URL with another
         * port is refused with {@link ProblemType#ADDRESS_REFUSED}.
         *
         * @param ports a non-empty set of ports 1-65535
         * @return this builder
         * @throws NullPointerException if {@code ports} or an element is {@code null}
         * @throws IllegalArgumentException if the set is empty or a port is out of range
         */
        public Builder allowedPorts(final Set<Integer> ports) {
            final Set<Integer> copy = Set.copyOf(ports);
            if (copy.isEmpty()) {
                throw new IllegalArgumentException("at least one port must be allowed");
            }
            for (final int port : copy) {
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("not a port: " + port);
                }
            }
            this.allowedPorts = copy;
            return this;
        }

        /**
         * The time allowed to establish each TCP connection (also capped by what is left of the total timeout).
         * Default 5 seconds.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder connectTimeout(final Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * The time allowed for the whole verification: name resolution, every hop, TLS handshakes, and reading
         * the body. Default 10 seconds.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder totalTimeout(final Duration timeout) {
            this.totalTimeout = positive(timeout, "totalTimeout");
            return this;
        }

        /**
         * How many redirects to follow at most. Default 3; 0 refuses every redirect.
         *
         * @param max from 0 to {@link #MAX_REDIRECTS_LIMIT}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxRedirects(final int max) {
            if (max < 0 || max > MAX_REDIRECTS_LIMIT) {
                throw new IllegalArgumentException("maxRedirects must be from 0 to " + MAX_REDIRECTS_LIMIT);
            }
            this.maxRedirects = max;
            return this;
        }

        /**
         * The largest body accepted, in bytes. Default 1024. The verifier reads at most one byte more than this,
         * never the whole body.
         *
         * @param max from 1 to {@link #MAX_BODY_BYTES_LIMIT}
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxBodyBytes(final int max) {
            if (max < 1 || max > MAX_BODY_BYTES_LIMIT) {
                throw new IllegalArgumentException("maxBodyBytes must be from 1 to " + MAX_BODY_BYTES_LIMIT);
            }
            this.maxBodyBytes = max;
            return this;
        }

        /**
         * The name resolver. Default {@link HostResolver#system()}. Called exactly once per hop that names a
         * host (never for IP literals), from a pool thread, so it must be thread-safe.
         *
         * @param resolver the resolver
         * @return this builder
         * @throws NullPointerException if {@code resolver} is {@code null}
         */
        public Builder resolver(final HostResolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * The TLS context whose trust managers validate server certificates. Default: the JVM default context
         * ({@link SSLContext#getDefault()}). Key managers, if any, are not used for anything the verifier relies
         * on. Only TLS 1.3 and 1.2 are enabled regardless of the context.
         *
         * @param sslContext an initialised context
         * @return this builder
         * @throws NullPointerException if {@code sslContext} is {@code null}
         */
        public Builder sslContext(final SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /**
         * The {@code User-Agent} header. Default {@code moodle-push-hub-verifier/1}.
         *
         * @param userAgent a non-blank value without control characters
         * @return this builder
         * @throws IllegalArgumentException if blank or containing control characters
         */
        public Builder userAgent(final String userAgent) {
            Objects.requireNonNull(userAgent, "userAgent");
            if (userAgent.isBlank() || userAgent.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("userAgent must be non-blank and free of control characters");
            }
            this.userAgent = userAgent;
            return this;
        }

        /**
         * Builds an immutable, thread-safe verifier from the current settings.
         *
         * @return a new verifier
         * @throws IllegalStateException if no SSL context was given and the JVM default is unavailable
         */
        public SiteVerifier build() {
            SSLContext context = sslContext;
            if (context == null) {
                try {
                    context = SSLContext.getDefault();
                } catch (final NoSuchAlgorithmException e) {
                    throw new IllegalStateException("no default SSLContext available", e);
                }
            }
            final List<Cidr> ranges = new ArrayList<>();
            for (final String cidr : allowedPrivateRanges) {
                ranges.add(Cidr.parse(cidr));
            }
            return new SiteVerifier(this, context, ranges);
        }

        private static Duration positive(final Duration d, final String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return d;
        }
    }
}
