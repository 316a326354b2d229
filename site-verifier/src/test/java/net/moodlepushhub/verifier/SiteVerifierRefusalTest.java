package net.moodlepushhub.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Refusals with the production policy (private networks refused, ports 80 and 443). None of these may ever
 * reach a socket: the verifier's test-only connect filter counts attempts and rejects them all, so even a
 * regression cannot send a packet anywhere.
 */
class SiteVerifierRefusalTest {

    private final AtomicInteger connectAttempts = new AtomicInteger();
    private final TestResolver resolver = new TestResolver()
            .map("site.test", "127.0.0.1")
            .map("evil.test", "10.0.0.5")
            .map("loopback.test", "127.0.0.1")
            .map("metadata.test", "169.254.169.254")
            .map("mixed.test", "93.184.216.34", "10.0.0.1")
            .map("mixed6.test", "2606:4700:4700::1111", "fd00::1")
            .map("mapped.test", "::ffff:169.254.169.254")
            .map("mapped-public.test", "::ffff:93.184.216.34");

    private SiteVerifier strictVerifier() {
        return SiteVerifier.builder()
                .resolver(resolver)
                .totalTimeout(Duration.ofSeconds(2))
                .connectFilter(address -> {
                    connectAttempts.incrementAndGet();
                    return false;
                })
                .build();
    }

    @ParameterizedTest(name = "{0} -> {1} [{2}], {3} lookup(s)")
    @CsvSource({
            // IP literals checked against the ranges
            "http://127.0.0.1/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://10.0.0.1/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://169.254.169.254/latest/meta-data, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://0.0.0.0/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://[::1]/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://[::ffff:127.0.0.1]/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://[::ffff:7f00:1]/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://[::ffff:93.184.216.34]/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://[fd00::1]/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            "http://[FE80::1]/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 0",
            // non-canonical IPv4 literals are refused outright
            "http://2130706433/, ADDRESS_REFUSED, IP_LITERAL_CANONICAL, 0",
            "http://0177.0.0.1/, ADDRESS_REFUSED, IP_LITERAL_CANONICAL, 0",
            "http://127.1/, ADDRESS_REFUSED, IP_LITERAL_CANONICAL, 0",
            "http://0x7f.0.0.1/, ADDRESS_REFUSED, IP_LITERAL_CANONICAL, 0",
            "http://0x7f000001/, ADDRESS_REFUSED, IP_LITERAL_CANONICAL, 0",
            "http://127.0.0.1./, ADDRESS_REFUSED, IP_LITERAL_CANONICAL, 0",
            "http://8.8.8.010/, ADDRESS_REFUSED, IP_LITERAL_CANONICAL, 0",
            "http://[fe80::1%25eth0]/, ADDRESS_REFUSED, IP_LITERAL_CANONICAL, 0",
            // host names whose records (any one of them) are reserved
            "http://evil.test/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 1",
            "http://loopback.test/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 1",
            "http://metadata.test/latest/meta-data, ADDRESS_REFUSED, ADDRESS_ALLOWED, 1",
            "http://mixed.test/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 1",
            "http://mixed6.test/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 1",
            "http://mapped.test/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 1",
            "http://mapped-public.test/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 1",
            "http://EVIL.test/, ADDRESS_REFUSED, ADDRESS_ALLOWED, 1",
            // ports
            "http://site.test:8080/, ADDRESS_REFUSED, PORT_ALLOWED, 0",
            "https://site.test:22/, ADDRESS_REFUSED, PORT_ALLOWED, 0",
            "http://127.1:8080/, ADDRESS_REFUSED, PORT_ALLOWED, 0",
            "http://site.test:99999/, MALFORMED, PORT_SYNTAX, 0",
            "http://site.test:0/, MALFORMED, PORT_SYNTAX, 0",
            // schemes, user-info, syntax
            "ftp://site.test/, MALFORMED, SCHEME, 0",
            "gopher://site.test/, MALFORMED, SCHEME, 0",
            "file:///etc/passwd, MALFORMED, URL_SYNTAX, 0",
            "mailto:admin@site.test, MALFORMED, URL_SYNTAX, 0",
            "/relative/path, MALFORMED, URL_SYNTAX, 0",
            "http://user:secret@site.test/, MALFORMED, NO_USER_INFO, 0",
            "http://user@127.1/, MALFORMED, NO_USER_INFO, 0",
            "http://a_b.test/, MALFORMED, HOST_SYNTAX, 0",
            "http://site.test./, MALFORMED, HOST_SYNTAX, 0",
            "http://-site.test/, MALFORMED, HOST_SYNTAX, 0",
            "http://site.test:8o/, MALFORMED, PORT_SYNTAX, 0",
            "http://b\u00fccher.test/, MALFORMED, HOST_SYNTAX, 0",
    })
    void refusedBeforeConnecting(final String url, final ProblemType type, final Check check, final int lookups) {
        final VerificationResult result = strictVerifier().verify(URI.create(url), "token");

        assertThat(result.isValid()).isFalse();
        assertThat(result.problem()).hasValueSatisfying(p -> {
            assertThat(p.type()).as("%s", p).isEqualTo(type);
            assertThat(p.check()).as("%s", p).isEqualTo(check);
            assertThat(p.detail()).isNotBlank();
        });
        assertThat(result.hops()).containsExactly(new Hop(URI.create(url), null, -1));
        assertThat(result.resolvedAddress()).isNull();
        assertThat(resolver.totalCalls()).isEqualTo(lookups);
        assertThat(connectAttempts).hasValue(0);
    }

    @Test
    void refusalDetailNamesTheRangeNotTheRecord() {
        final VerificationResult result = strictVerifier().verify(URI.create("http://evil.test/"), "token");
        assertThat(result.problem().orElseThrow().detail())
                .contains("evil.test").contains("10.0.0.0/8").doesNotContain("10.0.0.5");
    }

    @Test
    void mappedAddressesStayRefusedEvenWhenTheirIpv4RangeIsAllowed() {
        final VerificationResult result = SiteVerifier.builder().resolver(resolver)
                .allowedPrivateRanges(List.of("169.254.0.0/16"))
                .connectFilter(address -> false)
                .build().verify(URI.create("http://mapped.test/"), "token");
        assertThat(result.problem()).hasValueSatisfying(p -> {
            assertThat(p.type()).isEqualTo(ProblemType.ADDRESS_REFUSED);
            assertThat(p.detail()).contains("::ffff:0:0/96").contains("169.254.0.0/16");
        });
    }

    @Test
    void literalLoopbackIsRefusedWithDefaultBuilder() {
        // The defaults alone (no test configuration apart from the connect filter) refuse loopback.
        final VerificationResult result = SiteVerifier.builder().connectFilter(address -> false).build()
                .verify(URI.create("http://127.0.0.1/"), "token");
        assertThat(result.problem().map(VerificationProblem::type)).hasValue(ProblemType.ADDRESS_REFUSED);
    }

    @Test
    void unparseableTextUrlIsMalformedNotAnException() {
        final VerificationResult result = strictVerifier().verify("http://site.test/a b", "token");
        assertThat(result.problem()).hasValueSatisfying(p -> {
            assertThat(p.type()).isEqualTo(ProblemType.MALFORMED);
            assertThat(p.check()).isEqualTo(Check.URL_SYNTAX);
        });
        assertThat(result.hops()).isEmpty();
        final VerificationResult parsed = strictVerifier().verify("http://127.1/", "token");
        assertThat(parsed.problem().map(VerificationProblem::check)).hasValue(Check.IP_LITERAL_CANONICAL);
        assertThat(connectAttempts).hasValue(0);
    }

    @Test
    void builderRejectsBadSettings() {
        assertThatThrownBy(() -> SiteVerifier.builder().allowedPorts(Set.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().allowedPorts(Set.of(0))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().allowedPorts(Set.of(65536))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().connectTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().totalTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().maxRedirects(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().maxBodyBytes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().maxBodyBytes((1 << 20) + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().userAgent("a\r\nX-Injected: 1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().allowedPrivateRanges(List.of("127.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SiteVerifier.builder().build().verify((URI) null, "x")).isInstanceOf(NullPointerException.class);
    }

    @Test
    void problemTypeSlugsAreStable() {
        assertThat(ProblemType.values()).extracting(ProblemType::slug).containsExactly(
                "dns", "connection", "timeout", "tls", "redirect", "address-refused", "unauthorized", "too-large",
                "challenge-expired", "malformed");
    }

    @Test
    void callersCanReportExpiredChallenges() {
        final VerificationResult result = VerificationResult.failure(
                VerificationProblem.of(ProblemType.CHALLENGE_EXPIRED, Check.CHALLENGE_FRESH, "the challenge expired"));
        assertThat(result.isValid()).isFalse();
        assertThat(result.hops()).isEmpty();
        assertThat(result.resolvedAddress()).isNull();
        assertThat(result.problem().orElseThrow().type().slug()).isEqualTo("challenge-expired");
    }
}
