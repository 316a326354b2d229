package net.moodlepushhub.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End-to-end verifications against a real HTTP server on 127.0.0.1. */
class SiteVerifierHttpTest {

    private static final String TOKEN = "mph-challenge-7f3a9c";
    private static final String SECRET = "SECRET-INTERNAL-DATA-do-not-echo";

    private static TestServer server;
    private static int port;
    private static final Queue<String> hostHeaders = new ConcurrentLinkedQueue<>();
    private static final Queue<String> userAgents = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void startServer() throws IOException {
        server = TestServer.http();
        port = server.port();
        server.handle("/ok", exchange -> {
            hostHeaders.add(exchange.getRequestHeaders().getFirst("Host"));
            userAgents.add(exchange.getRequestHeaders().getFirst("User-Agent"));
            TestServer.send(exchange, 200, TOKEN + " \r\n\t\n");
        });
        server.text("/leading-space", 200, " " + TOKEN);
        server.text("/wrong", 200, SECRET);
        server.text("/missing", 404, SECRET);
        server.text("/error", 500, SECRET);
        server.handle("/not-utf8", exchange -> {
            exchange.sendResponseHeaders(200, 3);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xfd});
            }
        });
        server.redirect("/to-metadata", 302, "http://169.254.169.254/latest/meta-data");
        server.redirect("/loop-a", 302, "/loop-b");
        server.redirect("/loop-b", 302, "http://site.test:" + port + "/loop-a");
        server.redirect("/self", 301, "/self#again");
        server.redirect("/see-other", 303, "/ok");
        server.redirect("/multiple-choices", 300, "/ok");
        server.redirect("/relative", 307, "ok");
        server.redirect("/empty-location", 302, "");
        server.handle("/no-location", exchange -> exchange.sendResponseHeaders(302, -1));
        server.handle("/two-locations", exchange -> {
            exchange.getResponseHeaders().add("Location", "/ok");
            exchange.getResponseHeaders().add("Location", "/wrong");
            exchange.sendResponseHeaders(302, -1);
        });
        server.redirect("/bad-location", 302, "http://site.test:" + port + "/a b<>");
        server.redirect("/to-other-host", 308, "http://other.test:" + port + "/ok");
        server.redirect("/to-disallowed-port", 302, "http://site.test:8080/ok");
        server.redirect("/to-ftp", 302, "ftp://site.test/ok");
        server.redirect("/to-decimal-ip", 302, "http://2130706433:" + port + "/ok");
        server.handle("/chain/", exchange -> {
            final int n = Integer.parseInt(exchange.getRequestURI().getPath().substring("/chain/".length()));
            exchange.getResponseHeaders().add("Location", n == 0 ? "/ok" : "/chain/" + (n - 1));
            exchange.sendResponseHeaders(302, -1);
        });
        server.handle("/slow", exchange -> {
            exchange.sendResponseHeaders(200, 100);
            final OutputStream out = exchange.getResponseBody();
            for (int i = 0; i < 100; i++) { // at most 25 s, but the verifier hangs up long before
                out.write('x');
                out.flush();
                sleep(250);
            }
        });
        server.handle("/slow-headers", exchange -> {
            sleep(5_000);
            TestServer.send(exchange, 200, TOKEN);
        });
        server.handle("/huge", exchange -> {
            exchange.sendResponseHeaders(200, 1 << 20);
            final OutputStream out = exchange.getResponseBody();
            out.write(new byte[1 << 20]);
        });
        server.handle("/endless", exchange -> {
            exchange.sendResponseHeaders(200, 0); // chunked, never ends on its own
            final OutputStream out = exchange.getResponseBody();
            final byte[] chunk = new byte[64 * 1024];
            final long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < end) {
                out.write(chunk);
            }
        });
        server.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static void sleep(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static TestResolver loopbackResolver() {
        return new TestResolver().map("site.test", "127.0.0.1").map("other.test", "127.0.0.1");
    }

    /** Happy-path configuration: loopback allowed, the server's port allowed, nothing can leave the machine. */
    private static SiteVerifier.Builder loopbackVerifier(final HostResolver resolver) {
        return SiteVerifier.builder()
                .allowPrivateNetworks(true)
                .allowedPorts(Set.of(80, 443, port))
                .connectTimeout(Duration.ofSeconds(2))
                .totalTimeout(Duration.ofSeconds(5))
                .resolver(resolver)
                .connectFilter(InetAddress::isLoopbackAddress);
    }

    private static URI url(final String path) {
        return URI.create("http://site.test:" + port + path);
    }

    private static void assertProblem(final VerificationResult result, final ProblemType type, final Check check) {
        assertThat(result.isValid()).as("valid: %s", result).isFalse();
        assertThat(result.problem()).hasValueSatisfying(p -> {
            assertThat(p.type()).as("type of %s", p).isEqualTo(type);
            assertThat(p.check()).as("check of %s", p).isEqualTo(check);
        });
    }

    // ---- success ----

    @Test
    void servesMatchingContentOverHttp() {
        hostHeaders.clear();
        userAgents.clear();
        final TestResolver resolver = loopbackResolver();
        final VerificationResult result = loopbackVerifier(resolver).userAgent("verifier-test/2").build().verify(url("/ok"), TOKEN);

        assertThat(result.isValid()).as("%s", result).isTrue();
        assertThat(result.problem()).isEmpty();
        assertThat(result.resolvedAddress()).isEqualTo("127.0.0.1");
        assertThat(result.hops()).containsExactly(new Hop(url("/ok"), "127.0.0.1", 200));
        assertThat(hostHeaders).containsExactly("site.test:" + port);
        assertThat(userAgents).containsExactly("verifier-test/2");
        assertThat(resolver.calls("site.test")).isEqualTo(1);
    }

    @Test
    void pageVerificationFollowsSeeOtherAndCutsLongPages() {
        final SiteVerifier verifier = loopbackVerifier(loopbackResolver()).maxBodyBytes(8).build();
        final List<Integer> seen = new ArrayList<>();
        final VerificationResult page = verifier.verifyPage(url("/see-other"), body -> {
            seen.add(body.length);
            return new String(body, java.nio.charset.StandardCharsets.UTF_8).startsWith(TOKEN.substring(0, 8))
                    ? java.util.Optional.empty() : java.util.Optional.of("no tag");
        });
        assertThat(page.isValid()).as("%s", page).isTrue();
        assertThat(seen).containsExactly(8);
        assertThat(page.hops()).extracting(Hop::status).containsExactly(303, 200);
        assertProblem(verifier.verifyPage(url("/wrong"), body -> java.util.Optional.of("no tag")), ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES);
        // The challenge-file method still refuses 303.
        assertProblem(verifier.verify(url("/see-other"), TOKEN), ProblemType.REDIRECT, Check.REDIRECT_STATUS);
    }

    @Test
    void onlyTrailingWhitespaceIsTrimmed() {
        final SiteVerifier verifier = loopbackVerifier(loopbackResolver()).build();
        assertThat(verifier.verify(url("/ok"), TOKEN).isValid()).isTrue();
        assertProblem(verifier.verify(url("/leading-space"), TOKEN), ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES);
        assertProblem(verifier.verify(url("/ok"), TOKEN + " "), ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES);
    }

    @Test
    void allowingOnlyLoopbackIsEnoughForTheHappyPath() {
        final VerificationResult result = loopbackVerifier(loopbackResolver()).allowPrivateNetworks(false)
                .allowedPrivateRanges(List.of("127.0.0.0/8")).build().verify(url("/ok"), TOKEN);
        assertThat(result.isValid()).as("%s", result).isTrue();
    }

    // ---- content and status ----

    @Test
    void wrongContentIsUnauthorizedAndNeverEchoed() {
        final VerificationResult result = loopbackVerifier(loopbackResolver()).build().verify(url("/wrong"), TOKEN);
        assertProblem(result, ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES);
        assertThat(result.problem().orElseThrow().detail()).isEqualTo("the content served does not match the challenge")
                .doesNotContain(SECRET);
        assertThat(result.toString()).doesNotContain(SECRET);
        assertThat(result.hops()).containsExactly(new Hop(url("/wrong"), "127.0.0.1", 200));
    }

    @Test
    void invalidUtf8IsUnauthorized() {
        assertProblem(loopbackVerifier(loopbackResolver()).build().verify(url("/not-utf8"), "\ufffd\ufffd\ufffd"),
                ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES);
    }

    @Test
    void notFoundIsUnauthorized() {
        final VerificationResult result = loopbackVerifier(loopbackResolver()).build().verify(url("/missing"), SECRET);
        assertProblem(result, ProblemType.UNAUTHORIZED, Check.STATUS_OK);
        assertThat(result.problem().orElseThrow().detail()).contains("404").doesNotContain(SECRET);
        assertThat(result.hops()).containsExactly(new Hop(url("/missing"), "127.0.0.1", 404));
    }

    @Test
    void serverErrorIsUnauthorized() {
        final VerificationResult result = loopbackVerifier(loopbackResolver()).build().verify(url("/error"), SECRET);
        assertProblem(result, ProblemType.UNAUTHORIZED, Check.STATUS_OK);
        assertThat(result.problem().orElseThrow().detail()).contains("500");
    }

    // ---- redirects ----

    @Test
    void redirectToMetadataAddressIsRefusedAfterAnAllowedFirstHop() {
        final TestResolver resolver = loopbackResolver();
        final AtomicInteger connectAttempts = new AtomicInteger();
        final VerificationResult result = loopbackVerifier(resolver)
                .allowPrivateNetworks(false)
                .allowedPrivateRanges(List.of("127.0.0.0/8"))
                .connectFilter(address -> {
                    connectAttempts.incrementAndGet();
                    return address.isLoopbackAddress();
                })
                .build().verify(url("/to-metadata"), TOKEN);

        assertProblem(result, ProblemType.ADDRESS_REFUSED, Check.ADDRESS_ALLOWED);
        assertThat(result.problem().orElseThrow().detail()).contains("169.254.0.0/16");
        assertThat(result.hops()).containsExactly(
                new Hop(url("/to-metadata"), "127.0.0.1", 302),
                new Hop(URI.create("http://169.254.169.254/latest/meta-data"), null, -1));
        assertThat(connectAttempts).hasValue(1); // only the first hop ever got near a socket
        assertThat(result.resolvedAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void redirectTargetsGoThroughTheUrlChecksAgain() {
        final SiteVerifier verifier = loopbackVerifier(loopbackResolver()).build();
        final VerificationResult port = verifier.verify(url("/to-disallowed-port"), TOKEN);
        assertProblem(port, ProblemType.ADDRESS_REFUSED, Check.PORT_ALLOWED);
        assertThat(port.hops()).hasSize(2);
        assertProblem(verifier.verify(url("/to-ftp"), TOKEN), ProblemType.MALFORMED, Check.SCHEME);
        assertProblem(verifier.verify(url("/to-decimal-ip"), TOKEN), ProblemType.ADDRESS_REFUSED, Check.IP_LITERAL_CANONICAL);
    }

    @Test
    void redirectLoopIsDetected() {
        final VerificationResult result = loopbackVerifier(loopbackResolver()).maxRedirects(10).build().verify(url("/loop-a"), TOKEN);
        assertProblem(result, ProblemType.REDIRECT, Check.REDIRECT_LOOP);
        assertThat(result.hops()).extracting(h -> h.url().getPath()).containsExactly("/loop-a", "/loop-b", "/loop-a");
        assertThat(result.hops().get(2).address()).isNull();
    }

    @Test
    void redirectToItselfWithAFragmentIsALoop() {
        assertProblem(loopbackVerifier(loopbackResolver()).build().verify(url("/self"), TOKEN),
                ProblemType.REDIRECT, Check.REDIRECT_LOOP);
    }

    @Test
    void threeRedirectsAreFollowed() {
        final VerificationResult result = loopbackVerifier(loopbackResolver()).build().verify(url("/chain/2"), TOKEN);
        assertThat(result.isValid()).as("%s", result).isTrue();
        assertThat(result.hops()).extracting(Hop::status).containsExactly(302, 302, 302, 200);
    }

    @Test
    void moreThanThreeRedirectsAreRefused() {
        final VerificationResult result = loopbackVerifier(loopbackResolver()).build().verify(url("/chain/3"), TOKEN);
        assertProblem(result, ProblemType.REDIRECT, Check.REDIRECT_LIMIT);
        assertThat(result.hops()).hasSize(4).extracting(Hop::status).containsOnly(302);
    }

    @Test
    void zeroMaxRedirectsRefusesEveryRedirect() {
        assertProblem(loopbackVerifier(loopbackResolver()).maxRedirects(0).build().verify(url("/relative"), TOKEN),
                ProblemType.REDIRECT, Check.REDIRECT_LIMIT);
    }

    @Test
    void seeOtherAndMultipleChoicesAreNotFollowed() {
        final SiteVerifier verifier = loopbackVerifier(loopbackResolver()).build();
        final VerificationResult seeOther = verifier.verify(url("/see-other"), TOKEN);
        assertProblem(seeOther, ProblemType.REDIRECT, Check.REDIRECT_STATUS);
        assertThat(seeOther.hops()).containsExactly(new Hop(url("/see-other"), "127.0.0.1", 303));
        assertProblem(verifier.verify(url("/multiple-choices"), TOKEN), ProblemType.REDIRECT, Check.REDIRECT_STATUS);
    }

    @Test
    void relativeLocationIsResolvedAgainstTheCurrentUrl() {
        final VerificationResult result = loopbackVerifier(loopbackResolver()).build().verify(url("/relative"), TOKEN);
        assertThat(result.isValid()).as("%s", result).isTrue();
        assertThat(result.hops()).extracting(Hop::url).containsExactly(url("/relative"), url("/ok"));
    }

    @Test
    void redirectWithoutOneValidLocationIsARedirectProblem() {
        final SiteVerifier verifier = loopbackVerifier(loopbackResolver()).build();
        for (final String path : List.of("/no-location", "/empty-location", "/two-locations", "/bad-location")) {
            final VerificationResult result = verifier.verify(url(path), TOKEN);
            assertProblem(result, ProblemType.REDIRECT, Check.REDIRECT_LOCATION);
            assertThat(result.hops()).as(path).containsExactly(new Hop(url(path), "127.0.0.1", 302));
        }
    }

    // ---- pinning ----

    @Test
    void resolverIsCalledExactlyOncePerHopAndItsAnswerIsPinned() {
        // A rebinding resolver: the first answer is the test server, any later answer the metadata service.
        final AtomicInteger siteCalls = new AtomicInteger();
        final AtomicInteger otherCalls = new AtomicInteger();
        final HostResolver rebinding = host -> {
            final AtomicInteger calls = "site.test".equals(host) ? siteCalls : otherCalls;
            return List.of(TestResolver.address(calls.getAndIncrement() == 0 ? "127.0.0.1" : "169.254.169.254"));
        };
        final VerificationResult result = loopbackVerifier(rebinding).allowPrivateNetworks(false)
                .allowedPrivateRanges(List.of("127.0.0.0/8")).build().verify(url("/to-other-host"), TOKEN);

        assertThat(result.isValid()).as("%s", result).isTrue();
        assertThat(siteCalls).hasValue(1);
        assertThat(otherCalls).hasValue(1);
        assertThat(result.hops()).containsExactly(
                new Hop(url("/to-other-host"), "127.0.0.1", 308),
                new Hop(URI.create("http://other.test:" + port + "/ok"), "127.0.0.1", 200));
    }

    @Test
    void connectsOnlyToCheckedAddressesInTheirOrder() {
        // The first checked address has nothing listening; the verifier falls back to the second, and the
        // hop reports the one it actually connected to.
        final TestResolver resolver = new TestResolver().map("site.test", "127.0.0.2", "127.0.0.1");
        final VerificationResult result = loopbackVerifier(resolver).build().verify(url("/ok"), TOKEN);
        assertThat(result.isValid()).as("%s", result).isTrue();
        assertThat(result.resolvedAddress()).isEqualTo("127.0.0.1");
        assertThat(resolver.calls("site.test")).isEqualTo(1);
    }

    // ---- timeouts and size ----

    @Test
    void slowDripBodyEndsAsTimeoutNearTheDeadline() {
        final Duration total = Duration.ofMillis(1500);
        final long start = System.nanoTime();
        final VerificationResult result = loopbackVerifier(loopbackResolver()).totalTimeout(total).build()
                .verify(url("/slow"), TOKEN);
        final Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertProblem(result, ProblemType.TIMEOUT, Check.DEADLINE);
        assertThat(elapsed).isBetween(total.minusMillis(100), total.plusMillis(1000));
        assertThat(result.hops()).containsExactly(new Hop(url("/slow"), "127.0.0.1", 200));
    }

    @Test
    void slowHeadersEndAsTimeoutNearTheDeadline() {
        final Duration total = Duration.ofMillis(1000);
        final long start = System.nanoTime();
        final VerificationResult result = loopbackVerifier(loopbackResolver()).totalTimeout(total).build()
                .verify(url("/slow-headers"), TOKEN);
        final Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

        assertThat(result.problem()).hasValueSatisfying(p -> assertThat(p.type()).isEqualTo(ProblemType.TIMEOUT));
        assertThat(elapsed).isBetween(total.minusMillis(100), total.plusMillis(1000));
        assertThat(result.hops()).containsExactly(new Hop(url("/slow-headers"), "127.0.0.1", -1));
    }

    @Test
    void oversizedBodyIsTooLargeQuickly() {
        final long start = System.nanoTime();
        final VerificationResult result = loopbackVerifier(loopbackResolver()).build().verify(url("/huge"), TOKEN);
        assertProblem(result, ProblemType.TOO_LARGE, Check.BODY_SIZE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void endlessBodyIsTooLargeWithoutReadingIt() {
        final long start = System.nanoTime();
        final VerificationResult result = loopbackVerifier(loopbackResolver()).totalTimeout(Duration.ofSeconds(10)).build()
                .verify(url("/endless"), TOKEN);
        assertProblem(result, ProblemType.TOO_LARGE, Check.BODY_SIZE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void bodyOfExactlyTheMaximumIsAccepted() {
        final SiteVerifier verifier = loopbackVerifier(loopbackResolver()).maxBodyBytes(TOKEN.length()).build();
        assertThat(verifier.verify(url("/leading-space"), " " + TOKEN).problem())
                .hasValueSatisfying(p -> assertThat(p.type()).isEqualTo(ProblemType.TOO_LARGE));
        final SiteVerifier exact = loopbackVerifier(loopbackResolver()).maxBodyBytes(TOKEN.length() + 1).build();
        assertThat(exact.verify(url("/leading-space"), " " + TOKEN).isValid()).isTrue();
    }

    // ---- connection and DNS failures ----

    @Test
    void closedPortIsAConnectionProblem() throws IOException {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        final VerificationResult result = loopbackVerifier(loopbackResolver()).allowedPorts(Set.of(closedPort)).build()
                .verify(URI.create("http://site.test:" + closedPort + "/ok"), TOKEN);
        assertProblem(result, ProblemType.CONNECTION, Check.CONNECT);
        assertThat(result.hops()).containsExactly(new Hop(URI.create("http://site.test:" + closedPort + "/ok"), null, -1));
    }

    @Test
    void unknownHostIsADnsProblem() {
        final VerificationResult result = loopbackVerifier(new TestResolver()).build().verify(url("/ok"), TOKEN);
        assertProblem(result, ProblemType.DNS, Check.DNS_RESOLVES);
        assertThat(result.hops()).containsExactly(new Hop(url("/ok"), null, -1));
    }

    @Test
    void noRecordsIsADnsProblem() {
        assertProblem(loopbackVerifier(new TestResolver().map("site.test", List.of())).build().verify(url("/ok"), TOKEN),
                ProblemType.DNS, Check.DNS_RESOLVES);
    }

    @Test
    void hangingResolverEndsAsTimeoutNearTheDeadline() {
        final HostResolver hanging = host -> {
            try {
                Thread.sleep(10_000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new UnknownHostException(host);
        };
        final long start = System.nanoTime();
        final VerificationResult result = loopbackVerifier(hanging).totalTimeout(Duration.ofMillis(800)).build()
                .verify(url("/ok"), TOKEN);
        assertProblem(result, ProblemType.TIMEOUT, Check.DEADLINE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1800));
    }

    // ---- concurrency ----

    @Test
    void oneVerifierServesConcurrentVerifications() throws Exception {
        final SiteVerifier verifier = loopbackVerifier(loopbackResolver()).build();
        final ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            final List<Future<VerificationResult>> good = new ArrayList<>();
            final List<Future<VerificationResult>> bad = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                good.add(pool.submit(() -> verifier.verify(url("/chain/1"), TOKEN)));
                bad.add(pool.submit(() -> verifier.verify(url("/wrong"), TOKEN)));
            }
            for (final Future<VerificationResult> f : good) {
                assertThat(f.get().isValid()).as("%s", f.get()).isTrue();
            }
            for (final Future<VerificationResult> f : bad) {
                assertProblem(f.get(), ProblemType.UNAUTHORIZED, Check.CONTENT_MATCHES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void detailsNeverContainWhatTheSiteReturned() {
        final SiteVerifier verifier = loopbackVerifier(loopbackResolver()).build();
        for (final String path : List.of("/wrong", "/missing", "/error")) {
            final VerificationResult result = verifier.verify(url(path), TOKEN);
            assertThat(result.problem().orElseThrow().detail()).doesNotContain(SECRET);
            assertThat(result.toString()).doesNotContain(SECRET);
        }
    }
}
