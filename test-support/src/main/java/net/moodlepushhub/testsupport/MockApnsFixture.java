package net.moodlepushhub.testsupport;

import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.PushNotificationHandler;
import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: a Pushy {@link MockApnsServer} on a free port, with a freshly generated self-signed TLS certificate
 * (for {@code 127.0.0.1} and {@code localhost}) and a freshly generated APNs token-auth key (EC P-256), validating
 * requests like APNs does ({@link ValidatingPushNotificationHandlerFactory}). Self-contained (Pushy + BouncyCastle);
 * reusable from integration tests and benchmarks.
 *
 * <pre>
 * try (MockApnsFixture apns = MockApnsFixture.start()) {
 *     String token = apns.registerDeviceToken();
 *     ApnsProvider p = ApnsProvider.builder().server(apns.host(), apns.port())
 *         .trustedServerCertificates(apns.serverCertificate())
 *         .tokenAuth(apns.signingKeyPkcs8Pem(), apns.teamId(), apns.keyId()).topic(apns.topic()).build();
 * }
 * </pre>
 *
 * <p>Note: Pushy's mock server binds the wildcard address (it has no bind-address option); clients connect to
 * {@code 127.0.0.1}.</p>
 */
public final class MockApnsFixture implements AutoCloseable {

    /** Default topic (the Moodle app's bundle id). */
    public static final String DEFAULT_TOPIC = "com.moodle.moodlemobile";
    /** Team id of the generated signing key. */
    public static final String TEAM_ID = "TEAM123456";
    /** Key id of the generated signing key. */
    public static final String KEY_ID = "KEY1234567";

    /** A notification the server accepted or rejected. @param headers request headers @param payload body @param rejection null when accepted */
    public record Received(Map<String, String> headers, String payload, String rejection) {
        /** @return the device token from the :path */
        public String deviceToken() {
            String path = headers.getOrDefault(":path", "");
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    private final String topic;
    private final MockApnsServer server;
    private final int port;
    private final X509Certificate certificate;
    private final ECPrivateKey signingPrivateKey;
    private final Map<String, Set<String>> tokensByTopic = new ConcurrentHashMap<>();
    private final Map<String, Instant> expirations = new ConcurrentHashMap<>();
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final X509Certificate clientCertificate;
    private final byte[] clientPkcs12;

    /** The password of {@link #clientCertificatePkcs12()}. */
    public static final String CLIENT_CERTIFICATE_PASSWORD = "mock-apns-client";

    private MockApnsFixture(String topic, PushNotificationHandlerFactory customHandler, Duration answerDelay) throws Exception {
        this(topic, customHandler, answerDelay, false);
    }

    private MockApnsFixture(String topic, PushNotificationHandlerFactory customHandler, Duration answerDelay,
                            boolean certificateAuth) throws Exception {
        this.topic = topic;
        KeyPair tls = ecKeyPair();
        this.certificate = selfSigned(tls);

        KeyPair signing = ecKeyPair();
        this.signingPrivateKey = (ECPrivateKey) signing.getPrivate();
        ApnsVerificationKey verificationKey = new ApnsVerificationKey(KEY_ID, TEAM_ID,
                (ECPublicKey) signing.getPublic());
        Map<String, ApnsVerificationKey> keysById = Map.of(KEY_ID, verificationKey);
        Map<ApnsVerificationKey, Set<String>> topicsByKey = new HashMap<>();
        topicsByKey.put(verificationKey, Set.of(topic));
        tokensByTopic.put(topic, ConcurrentHashMap.newKeySet());

        PushNotificationHandlerFactory handler = customHandler != null ? customHandler
                : new ValidatingPushNotificationHandlerFactory(tokensByTopic, expirations, keysById, topicsByKey);
        if (answerDelay != null && !answerDelay.isZero()) {
            handler = delayed(handler, answerDelay);
        }
        MockApnsServerBuilder builder = new MockApnsServerBuilder();
        if (certificateAuth) {
            // As Apple issues them: the app's bundle id as the subject's UID, which Pushy's validating handler takes
            // as the connection's topic.
            KeyPair client = rsaKeyPair();
            this.clientCertificate = clientCertificate(client, topic);
            this.clientPkcs12 = pkcs12(client, clientCertificate, CLIENT_CERTIFICATE_PASSWORD);
            // Pushy 0.15.4 names it so, but on the server builder this sets the client certificates to trust (the
            // TLS client authentication is optional: a client presenting none uses token authentication).
            builder.setTrustedServerCertificateChain(clientCertificate);
        } else {
            this.clientCertificate = null;
            this.clientPkcs12 = null;
        }
        this.server = builder
                .setServerCredentials(new X509Certificate[]{certificate}, tls.getPrivate(), null)
                .setHandlerFactory(handler)
                .setListener(new Recorder())
                .build();
        this.port = startOnFreePort(server);
    }

    /** @return a running fixture with the default topic and validating handler */
    public static MockApnsFixture start() {
        return start(DEFAULT_TOPIC, null);
    }

    /**
     * @param topic   the topic the signing key is valid for
     * @param handler a custom handler factory (e.g. one that delays answers), or null for the validating one
     * @return a running fixture
     */
    public static MockApnsFixture start(String topic, PushNotificationHandlerFactory handler) {
        try {
            return new MockApnsFixture(topic, handler, null);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start mock APNs server", e);
        }
    }

    /**
     * A validating server that holds every answer for {@code answerDelay}, so that notifications stay in flight
     * (crash tests, back-pressure). The delay blocks the connection's event loop, as a slow APNs would: each
     * connection answers at most one notification per delay.
     *
     * @param answerDelay how long each answer is held
     * @return a running fixture with the default topic
     */
    public static MockApnsFixture startDelayed(Duration answerDelay) {
        try {
            return new MockApnsFixture(DEFAULT_TOPIC, null, answerDelay);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start mock APNs server", e);
        }
    }

    /**
     * A validating server that also accepts TLS client-certificate authentication, as APNs does for a
     * certificate (.p12) instead of a signing key: {@link #clientCertificatePkcs12()} holds a client certificate
     * for the topic, issued to its bundle id, that the server trusts. Token authentication keeps working.
     *
     * @return a running fixture with the default topic
     */
    public static MockApnsFixture startWithClientCertificate() {
        try {
            return new MockApnsFixture(DEFAULT_TOPIC, null, null, true);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start mock APNs server", e);
        }
    }

    /**
     * A client certificate and its key as PKCS#12, signed by nobody the mock APNs trusts (for refusal tests).
     *
     * @param topic the bundle id the certificate names
     * @return the PKCS#12 contents, with {@link #CLIENT_CERTIFICATE_PASSWORD}
     */
    public static byte[] untrustedClientCertificatePkcs12(String topic) {
        try {
            KeyPair client = rsaKeyPair();
            return pkcs12(client, clientCertificate(client, topic), CLIENT_CERTIFICATE_PASSWORD);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @return the PKCS#12 (.p12) holding the client certificate the server trusts and its private key, protected by
     * {@link #CLIENT_CERTIFICATE_PASSWORD}
     * @throws IllegalStateException unless started with {@link #startWithClientCertificate()}
     */
    public byte[] clientCertificatePkcs12() {
        if (clientPkcs12 == null) {
            throw new IllegalStateException("started without client-certificate authentication");
        }
        return clientPkcs12.clone();
    }

    /** @return the client certificate the server trusts ({@code null} unless {@link #startWithClientCertificate()}) */
    public X509Certificate clientCertificate() {
        return clientCertificate;
    }

    private static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509Certificate clientCertificate(KeyPair kp, String topic) throws Exception {
        X500Name name = new X500Name("CN=Apple Push Services: " + topic + ", OU=TEAM123456, O=Mock, C=US, UID=" + topic);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                new BigInteger(64, new SecureRandom()), java.util.Date.from(now.minus(1, ChronoUnit.DAYS)),
                java.util.Date.from(now.plus(365, ChronoUnit.DAYS)), name, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
    }

    private static byte[] pkcs12(KeyPair kp, X509Certificate certificate, String password) throws Exception {
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("apns-client", kp.getPrivate(), password.toCharArray(), new java.security.cert.Certificate[]{certificate});
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        store.store(out, password.toCharArray());
        return out.toByteArray();
    }

    private static PushNotificationHandlerFactory delayed(PushNotificationHandlerFactory inner, Duration delay) {
        return session -> {
            PushNotificationHandler handler = inner.buildHandler(session);
            return (headers, payload) -> {
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                handler.handlePushNotification(headers, payload);
            };
        };
    }

    private static int startOnFreePort(MockApnsServer server) throws Exception {
        Exception last = null;
        for (int i = 0; i < 5; i++) {
            int candidate;
            try (ServerSocket s = new ServerSocket(0)) {
                candidate = s.getLocalPort();
            }
            try {
                server.start(candidate).get(10, TimeUnit.SECONDS);
                return candidate;
            } catch (Exception e) {
                last = e; // raced with another process for the port
            }
        }
        throw last;
    }

    /** @return the host to connect to */
    public String host() {
        return "127.0.0.1";
    }

    /** @return the port the server listens on */
    public int port() {
        return port;
    }

    /** @return the topic the signing key is authorised for */
    public String topic() {
        return topic;
    }

    /** @return the team id of the signing key */
    public String teamId() {
        return TEAM_ID;
    }

    /** @return the key id of the signing key */
    public String keyId() {
        return KEY_ID;
    }

    /** @return the server's self-signed certificate, to trust in the client */
    public X509Certificate serverCertificate() {
        return certificate;
    }

    /** @return the server certificate as PEM */
    public String serverCertificatePem() {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the signing key like Apple's {@code .p8} file (PKCS#8 PEM) */
    public byte[] signingKeyPkcs8Pem() {
        return pem("PRIVATE KEY", signingPrivateKey.getEncoded()).getBytes(StandardCharsets.US_ASCII);
    }

    /** @return the signing key as a Pushy object */
    public ApnsSigningKey signingKey() {
        try {
            return new ApnsSigningKey(KEY_ID, TEAM_ID, signingPrivateKey);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code AuthKey_<keyid>.p8} and {@code apns-server.pem} into a directory (for configuring a gateway
     * process).
     *
     * @param dir target directory
     * @return the .p8 path; the certificate is next to it
     */
    public Path writeFiles(Path dir) {
        try {
            Files.createDirectories(dir);
            Path p8 = dir.resolve("AuthKey_" + KEY_ID + ".p8");
            Files.write(p8, signingKeyPkcs8Pem());
            Files.writeString(dir.resolve("apns-server.pem"), serverCertificatePem());
            return p8;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return a new random 64-hex-digit token registered for {@link #topic()} */
    public String registerDeviceToken() {
        String token = randomToken();
        registerDeviceToken(topic, token);
        return token;
    }

    /** @param forTopic topic @param token device token to register for it */
    public void registerDeviceToken(String forTopic, String token) {
        tokensByTopic.computeIfAbsent(forTopic, t -> ConcurrentHashMap.newKeySet()).add(token);
    }

    /** @param token token to answer 410 Unregistered for @param since its invalidation timestamp */
    public void unregister(String token, Instant since) {
        expirations.put(token, since);
    }

    /** @return a random well-formed (64 hex digits) token, not registered */
    public static String randomToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** @return notifications received so far (accepted and rejected), in arrival order */
    public List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** @return accepted notifications so far */
    public List<Received> accepted() {
        return received().stream().filter(r -> r.rejection() == null).toList();
    }

    @Override
    public void close() {
        try {
            server.shutdown().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // best effort
        }
    }

    private final java.util.concurrent.atomic.AtomicInteger acceptedCount = new java.util.concurrent.atomic.AtomicInteger();

    /** @return how many notifications were accepted so far (cheap: for polling in benchmarks) */
    public int acceptedCount() {
        return acceptedCount.get();
    }

    private final class Recorder implements MockApnsServerListener {
        @Override
        public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
            acceptedCount.incrementAndGet();
            received.add(new Received(toMap(headers), text(payload), null));
        }

        @Override
        public void handlePushNotificationRejected(Http2Headers headers, ByteBuf payload, RejectionReason reason,
                                                   Instant deviceTokenExpirationTimestamp) {
            received.add(new Received(toMap(headers), text(payload), reason.name()));
        }
    }

    private static Map<String, String> toMap(Http2Headers headers) {
        Map<String, String> m = new HashMap<>();
        headers.forEach(e -> m.put(e.getKey().toString(), e.getValue().toString()));
        return m;
    }

    private static String text(ByteBuf payload) {
        return payload == null ? null : payload.toString(payload.readerIndex(), payload.readableBytes(),
                StandardCharsets.UTF_8);
    }

    private static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate selfSigned(KeyPair kp) throws Exception {
        X500Name name = new X500Name("CN=mock-apns");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                new BigInteger(64, new SecureRandom()), java.util.Date.from(now.minus(1, ChronoUnit.DAYS)),
                java.util.Date.from(now.plus(365, ChronoUnit.DAYS)), name, kp.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[]{
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
