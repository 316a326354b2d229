package net.moodlepushhub.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

/** Verifications over HTTPS against a server on 127.0.0.1 with a self-signed certificate for {@code site.test}. */
class SiteVerifierTlsTest {

    private static final String TOKEN = "tls-challenge-42";

    private static TestCerts certs;
    private static TestServer https;
    private static TestServer http;
    private static final Queue<String> sniNames = new ConcurrentLinkedQueue<>();
    private static final Queue<String> hostHeaders = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.selfSigned("site.test");
        http = TestServer.http().text("/plain-ok", 200, TOKEN).start();
        https = TestServer.https();
        ((HttpsServer) https.server).setHttpsConfigurator(new HttpsConfigurator(certs.serverContext) {
            @Override
            public void configure(final HttpsParameters params) {
                final SSLParameters parameters = getSSLContext().getDefaultSSLParameters();
                parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
                parameters.setSNIMatchers(List.of(new SNIMatcher(StandardConstants.SNI_HOST_NAME) {
                    @Override
                    public boolean matches(final SNIServerName name) {
                        sniNames.add(new SNIHostName(name.getEncoded()).getAsciiName());
                        return true;
                    }
                }));
                params.setSSLParameters(parameters);
            }
        });
        https.handle("/ok", exchange -> {
            hostHeaders.add(exchange.getRequestHeaders().getFirst("Host"));
            TestServer.send(exchange, 200, TOKEN + "\n");
        });
        https.redirect("/to-http", 302, "http://site.test:" + http.port() + "/plain-ok");
        https.start();
    }

    @AfterAll
    static void stop() {
        https.close();
        http.close();
    }

    private static SiteVerifier.Builder verifier() {
        return SiteVerifier.builder()
                .allowedPrivateRanges(List.of("127.0.0.0/8"))
                .allowedPorts(Set.of(443, https.port(), http.port()))
                .connectTimeout(Duration.ofSeconds(2))
                .totalTimeout(Duration.ofSeconds(5))
                .resolver(new TestResolver().map("site.test", "127.0.0.1").map("other.test", "127.0.0.1"))
                .sslContext(certs.clientContext)
                .connectFilter(InetAddress::isLoopbackAddress);
    }

    private static URI url(final String host, final String path) {
        return URI.create("https://" + host + ":" + https.port() + path);
    }

    @Test
    void succeedsWithHostNameInSniAndHostHeader() {
        sniNames.clear();
        hostHeaders.clear();
        final VerificationResult result = verifier().build().verify(url("site.test", "/ok"), TOKEN);

        assertThat(result.isValid()).as("%s", result).isTrue();
        assertThat(result.hops()).containsExactly(new Hop(url("site.test", "/ok"), "127.0.0.1", 200));
        assertThat(sniNames).containsExactly("site.test");
        assertThat(hostHeaders).containsExactly("site.test:" + https.port());
    }

    @Test
    void certificateForAnotherNameIsATlsProblem() {
        final VerificationResult result = verifier().build().verify(url("other.test", "/ok"), TOKEN);
        assertThat(result.problem()).hasValueSatisfying(p -> {
            assertThat(p.type()).as("%s", p).isEqualTo(ProblemType.TLS);
            assertThat(p.check()).isEqualTo(Check.TLS_HANDSHAKE);
        });
        assertThat(result.hops()).containsExactly(new Hop(url("other.test", "/ok"), "127.0.0.1", -1));
    }

    @Test
    void untrustedCertificateIsATlsProblem() throws Exception {
        final VerificationResult result = verifier().sslContext(javax.net.ssl.SSLContext.getDefault()).build()
                .verify(url("site.test", "/ok"), TOKEN);
        assertThat(result.problem()).hasValueSatisfying(p -> assertThat(p.type()).as("%s", p).isEqualTo(ProblemType.TLS));
    }

    @Test
    void ipLiteralWithoutIpInCertificateIsATlsProblem() {
        final VerificationResult result = verifier().build().verify(url("127.0.0.1", "/ok"), TOKEN);
        assertThat(result.problem()).hasValueSatisfying(p -> assertThat(p.type()).as("%s", p).isEqualTo(ProblemType.TLS));
    }

    @Test
    void plainHttpToTheTlsPortFails() {
        final VerificationResult result = verifier().build()
                .verify(URI.create("http://site.test:" + https.port() + "/ok"), TOKEN);
        assertThat(result.isValid()).isFalse();
        assertThat(result.problem().orElseThrow().type()).isIn(ProblemType.CONNECTION, ProblemType.TIMEOUT);
    }

    @Test
    void redirectFromHttpsToHttpIsFollowed() {
        final VerificationResult result = verifier().build().verify(url("site.test", "/to-http"), TOKEN);
        assertThat(result.isValid()).as("%s", result).isTrue();
        assertThat(result.hops()).extracting(h -> h.url().getScheme()).containsExactly("https", "http");
    }

    @Test
    void sharedVerifierHandlesManyTlsVerifications() {
        final SiteVerifier verifier = verifier().build();
        for (int i = 0; i < 5; i++) {
            assertThat(verifier.verify(url("site.test", "/ok"), TOKEN).isValid()).isTrue();
        }
    }
}
