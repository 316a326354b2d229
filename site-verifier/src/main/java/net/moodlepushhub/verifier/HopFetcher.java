package net.moodlepushhub.verifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.config.TlsConfig;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.BasicHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.config.Lookup;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.io.HttpConnectionFactory;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.ssl.TLS;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * Performs one hop's HTTP GET with Apache HttpClient 5 (classic API), against the hop's checked addresses only.
 *
 * <p>Every hop gets a fresh client with a {@link BasicHttpClientConnectionManager} holding at most one
 * connection, which is never reused and is closed when the hop ends: a pinned address can never serve another
 * host or another verification. HttpClient's own redirect handling, retries, cookies, authentication caching,
 * content decompression, proxies and protocol upgrades are all off; redirects are followed by
 * {@link SiteVerifier}, which runs every check again for each hop.
 */
final class HopFetcher {

    /** What one hop produced: a status (and locations or body), or a problem. */
    static final class Outcome {
        InetAddress connected;
        int status = -1;
        List<String> locations = List.of();
        byte[] body;
        VerificationProblem problem;
    }

    private final Duration connectTimeout;
    private final int maxBodyBytes;
    private final String userAgent;
    private final Lookup<TlsSocketStrategy> tlsStrategies;
    private final HttpConnectionFactory<ManagedHttpClientConnection> connectionFactory;
    private final Predicate<InetAddress> connectFilter;

    HopFetcher(final Duration connectTimeout, final int maxBodyBytes, final String userAgent, final SSLContext sslContext,
               final Predicate<InetAddress> connectFilter) {
        this.connectFilter = connectFilter;
        this.connectTimeout = connectTimeout;
        this.maxBodyBytes = maxBodyBytes;
        this.userAgent = userAgent;
        final TlsSocketStrategy tls = ClientTlsStrategyBuilder.create()
                .setSslContext(sslContext)
                .setTlsVersions(TLS.V_1_3, TLS.V_1_2)
                // JSSE endpoint identification and HttpClient's verifier both check the host name.
                .setHostVerificationPolicy(HostnameVerificationPolicy.BOTH)
                .setHostnameVerifier(new DefaultHostnameVerifier())
                .buildClassic();
        this.tlsStrategies = RegistryBuilder.<TlsSocketStrategy>create().register("https", tls).build();
        this.connectionFactory = ManagedHttpClientConnectionFactory.builder()
                .http1Config(Http1Config.custom().setMaxLineLength(8 * 1024).setMaxHeaderCount(100)
                        .setMaxEmptyLineCount(10).build())
                .build();
    }

    /**
     * Fetches {@code target} from one of {@code pinned}. Reads the body only for a 200 response, and then at
     * most {@code maxBodyBytes + 1} bytes. Never throws for anything the site does.
     */
    Outcome fetch(final Target target, final List<InetAddress> pinned, final Deadline deadline) {
        final Outcome out = new Outcome();
        final Duration remaining = deadline.remaining();
        if (remaining.isZero()) {
            out.problem = timeout(deadline, "before connecting to " + target.describe());
            return out;
        }
        final Timeout rest = Timeout.of(remaining.toNanos(), TimeUnit.NANOSECONDS);
        final Timeout connect = Timeout.of(Math.min(connectTimeout.toNanos(), remaining.toNanos()), TimeUnit.NANOSECONDS);

        final HopGuard guard = new HopGuard(pinned, connectFilter);
        final BasicHttpClientConnectionManager connections = new BasicHttpClientConnectionManager(
                new DefaultHttpClientConnectionOperator(guard, DefaultSchemePortResolver.INSTANCE,
                        new PinnedDnsResolver(target.host, pinned), tlsStrategies),
                connectionFactory);
        connections.setConnectionConfig(ConnectionConfig.custom().setConnectTimeout(connect).setSocketTimeout(rest).build());
        connections.setSocketConfig(SocketConfig.custom().setSoTimeout(rest).build());
        connections.setTlsConfig(TlsConfig.custom().setHandshakeTimeout(rest)
                .setSupportedProtocols(TLS.V_1_3, TLS.V_1_2)
                .setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_1).build());

        final CloseableHttpClient client = HttpClients.custom()
                .setConnectionManager(connections)
                .setRoutePlanner(new DefaultRoutePlanner(DefaultSchemePortResolver.INSTANCE)) // never a proxy
                .setConnectionReuseStrategy((request, response, context) -> false)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .disableConnectionState()
                .setUserAgent(userAgent)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setRedirectsEnabled(false)
                        .setConnectionRequestTimeout(rest)
                        .setResponseTimeout(rest)
                        .setExpectContinueEnabled(false)
                        .setProtocolUpgradeEnabled(false)
                        .setContentCompressionEnabled(false)
                        .build())
                .build();

        final HttpGet get = new HttpGet(target.requestUri);
        get.setHeader(HttpHeaders.ACCEPT, "*/*");
        get.setHeader(HttpHeaders.CONNECTION, "close");

        // Socket timeouts bound each read, not the hop: the watchdog enforces the total deadline.
        final ScheduledFuture<?> alarm = VerifierThreads.watchdog()
                .schedule(() -> guard.timeout(get), remaining.toNanos(), TimeUnit.NANOSECONDS);
        ClassicHttpResponse response = null;
        String phase = "while connecting to " + target.describe();
        try {
            response = client.executeOpen(null, get, HttpClientContext.create());
            out.connected = guard.connected();
            out.status = response.getCode();
            if (out.status >= 300 && out.status < 400) {
                final List<String> locations = new ArrayList<>();
                for (final Header header : response.getHeaders(HttpHeaders.LOCATION)) {
                    locations.add(header.getValue());
                }
                out.locations = List.copyOf(locations);
            } else if (out.status == 200) {
                phase = "while reading the response body from " + target.describe();
                final HttpEntity entity = response.getEntity();
                // Deliberately not closed here: closing HttpClient's content stream drains the rest of the
                // body (to keep the connection reusable), which for an endless body never ends. The finally
                // block aborts the connection instead.
                final InputStream in = entity == null ? null : entity.getContent();
                out.body = in == null ? new byte[0] : in.readNBytes(maxBodyBytes + 1);
            }
        } catch (final IOException | RuntimeException e) {
            out.connected = guard.connected();
            if (out.connected != null && out.status < 0) {
                phase = "while waiting for the response from " + target.describe();
            }
            out.problem = classify(e, guard, target, deadline, phase);
        } finally {
            alarm.cancel(false);
            // Abort rather than drain: closing an HttpClient response normally reads the rest of the body.
            get.cancel();
            guard.closeAll();
            if (response != null) {
                try {
                    response.close();
                } catch (final IOException | RuntimeException ignored) {
                    // the sockets are already closed
                }
            }
            client.close(CloseMode.IMMEDIATE);
        }
        return out;
    }

    private static VerificationProblem classify(final Throwable e, final HopGuard guard, final Target target,
                                                final Deadline deadline, final String phase) {
        if (guard.timedOut() || deadline.expired()) {
            return timeout(deadline, phase);
        }
        final SSLException ssl = find(e, SSLException.class);
        if (ssl != null) {
            final String who = "the TLS handshake with " + target.describe() + " failed";
            if (ssl instanceof SSLPeerUnverifiedException) {
                return VerificationProblem.of(ProblemType.TLS, Check.TLS_HANDSHAKE, who + ": the certificate is not valid for this host name");
            }
            if (find(e, CertPathBuilderException.class) != null || find(e, CertPathValidatorException.class) != null) {
                return VerificationProblem.of(ProblemType.TLS, Check.TLS_HANDSHAKE, who + ": the certificate is not trusted");
            }
            if (find(e, CertificateException.class) != null) {
                return VerificationProblem.of(ProblemType.TLS, Check.TLS_HANDSHAKE,
                        who + ": the certificate is not trusted or not valid for this host name");
            }
            return VerificationProblem.of(ProblemType.TLS, Check.TLS_HANDSHAKE,
                    who + " (TLS 1.2 or later with a certificate valid for the host name is required)");
        }
        if (e instanceof InterruptedIOException) {
            if (guard.connected() == null) {
                return VerificationProblem.of(ProblemType.TIMEOUT, Check.CONNECT, "connecting to " + target.describe() + " timed out");
            }
            return timeout(deadline, phase);
        }
        if (e instanceof UnknownHostException) {
            return VerificationProblem.of(ProblemType.DNS, Check.DNS_RESOLVES, "no checked address for " + target.describe());
        }
        if (guard.connected() == null || e instanceof ConnectException || e instanceof NoRouteToHostException) {
            return VerificationProblem.of(ProblemType.CONNECTION, Check.CONNECT, "could not connect to " + target.describe());
        }
        return VerificationProblem.of(ProblemType.CONNECTION, Check.HTTP_EXCHANGE,
                "the HTTP exchange with " + target.describe() + " failed: the response was malformed, truncated or reset");
    }

    static VerificationProblem timeout(final Deadline deadline, final String phase) {
        return VerificationProblem.of(ProblemType.TIMEOUT, Check.DEADLINE,
                "the verification did not finish within " + deadline.total().toMillis() + " ms (" + phase + ")");
    }

    private static <T extends Throwable> T find(final Throwable e, final Class<T> type) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
