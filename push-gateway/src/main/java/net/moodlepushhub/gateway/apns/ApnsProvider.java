package net.moodlepushhub.gateway.apns;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.Priority;
import net.moodlepushhub.gateway.provider.ProviderConfigurationException;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.PushProvider;
import net.moodlepushhub.gateway.provider.SendOutcome;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends to APNs over HTTP/2 with one long-lived Pushy {@link ApnsClient}.
 *
 * <p><b>In-flight bound:</b> at most {@link Builder#maxInFlight(int)} notifications are awaiting an APNs answer at
 * any time (a {@link Semaphore}). When the bound is reached, {@link #send} waits up to
 * {@link Builder#inFlightAcquireTimeout(Duration)} (default zero: it does not block at all) and then completes with
 * {@code Retryable("in-flight-limit", null)}, so a caller's worker pool is never stalled by a slow APNs; the caller's
 * retry policy spreads the load.</p>
 *
 * <p><b>Answers:</b> accepted &rarr; {@link SendOutcome.Delivered} with the {@code apns-id}; 410 / {@code Unregistered}
 * / {@code ExpiredToken} &rarr; {@link SendOutcome.InvalidToken} with APNs' timestamp; {@code BadDeviceToken},
 * {@code DeviceTokenNotForTopic} &rarr; InvalidToken; 429, 500, 503 ({@code TooManyRequests},
 * {@code InternalServerError}, {@code ServiceUnavailable}, {@code Shutdown}, {@code IdleTimeout},
 * {@code ExpiredProviderToken}) and transport failures &rarr; {@link SendOutcome.Retryable}; any other rejection
 * &rarr; {@link SendOutcome.Failed} with APNs' reason. A payload that cannot fit 4096 bytes is never sent:
 * {@code Failed("payload-too-large")}; invalid {@code extra} JSON gives {@code Failed("invalid-extra")}.</p>
 *
 * <p>The {@code apns-id} is a name-based (version 5) UUID of the message's idempotency key, so a retry carries the
 * same id. Thread-safe; create one per credentials/topic and {@link #close()} it on shutdown.</p>
 */
public final class ApnsProvider implements PushProvider {

    private static final Logger LOG = Logger.getLogger(ApnsProvider.class.getName());

    /** Namespace for {@link #apnsIdFor(String)} (a fixed random UUID). */
    public static final UUID APNS_ID_NAMESPACE = UUID.fromString("6f1c4d1e-5b8a-4a57-9a0c-3e2f7c9d8b41");

    /**
     * The reason of a send refused by this provider's own in-flight bound, not by APNs: callers should defer it
     * rather than count it as an attempt.
     */
    public static final String IN_FLIGHT_LIMIT = "in-flight-limit";

    private static final Set<String> INVALID_TOKEN_REASONS =
            Set.of("BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered", "ExpiredToken");
    private static final Set<String> RETRYABLE_REASONS = Set.of("TooManyRequests", "InternalServerError",
            "ServiceUnavailable", "Shutdown", "IdleTimeout", "ExpiredProviderToken", "TooManyProviderTokenUpdates");

    private final ApnsClient client;
    /** The event loops the client runs on when this provider made them (shut down on close), else null. */
    private final io.netty.channel.EventLoopGroup eventLoops;
    private final String topic;
    private final ApnsPayloadShaper shaper;

    private final Semaphore inFlight;
    private final int maxInFlight;
    private final Duration acquireTimeout;
    private final Duration defaultTimeToLive;
    private final Clock clock;
    private volatile boolean closed;

    private ApnsProvider(Builder b, ApnsClient client, io.netty.channel.EventLoopGroup eventLoops) {
        this.client = client;
        this.eventLoops = eventLoops;
        this.topic = b.topic;
        this.shaper = new ApnsPayloadShaper(b.extraKey, ApnsPayloadShaper.MAX_PAYLOAD_BYTES,
                b.encryptedAlertPlaceholder);
        this.maxInFlight = b.maxInFlight;
        this.inFlight = new Semaphore(b.maxInFlight);
        this.acquireTimeout = b.inFlightAcquireTimeout;
        this.defaultTimeToLive = b.defaultTimeToLive;
        this.clock = b.clock;
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Platform platform() {
        return Platform.APNS;
    }

    /** @return the APNs topic (bundle id) this provider sends to */
    public String topic() {
        return topic;
    }

    /** @return how many notifications currently await an APNs answer */
    public int inFlight() {
        return maxInFlight - inFlight.availablePermits();
    }

    /**
     * @param idempotencyKey the message's idempotency key
     * @return the deterministic {@code apns-id} for it: a version-5 (SHA-1) name-based UUID in
     * {@link #APNS_ID_NAMESPACE}
     */
    public static UUID apnsIdFor(String idempotencyKey) {
        {
            // One digest per thread: looking the algorithm up again for every recipient costs more than hashing.
            MessageDigest sha1 = SHA1.get();
            sha1.reset();
            sha1.update(NAMESPACE_BYTES);
            byte[] h = sha1.digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | 0x50); // version 5
            h[8] = (byte) ((h[8] & 0x3f) | 0x80); // IETF variant
            long msb = 0;
            long lsb = 0;
            for (int i = 0; i < 8; i++) {
                msb = (msb << 8) | (h[i] & 0xff);
            }
            for (int i = 8; i < 16; i++) {
                lsb = (lsb << 8) | (h[i] & 0xff);
            }
            return new UUID(msb, lsb);
        }
    }

    private static final byte[] NAMESPACE_BYTES = toBytes(APNS_ID_NAMESPACE);

    private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private static byte[] toBytes(UUID u) {
        byte[] b = new byte[16];
        long msb = u.getMostSignificantBits();
        long lsb = u.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (msb >>> (56 - 8 * i));
            b[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        return b;
    }

    @Override
    public CompletableFuture<SendOutcome> send(PushMessage message) {
        Objects.requireNonNull(message, "message");
        return prepare(message).send(message.idempotencyKey(), message.token());
    }

    /**
     * Shapes the APNs payload once (parsing Moodle's extra, fitting 4 KiB); each recipient then costs only its
     * headers.
     */
    @Override
    public Prepared prepare(PushMessage template) {
        Objects.requireNonNull(template, "template");
        final ApnsPayloadShaper.Shaped shaped;
        try {
            Optional<ApnsPayloadShaper.Shaped> fitted = shaper.shape(template);
            if (fitted.isEmpty()) {
                return (key, token) -> CompletableFuture.completedFuture(new SendOutcome.Failed("payload-too-large"));
            }
            shaped = fitted.get();
        } catch (IllegalArgumentException e) {
            return (key, token) -> CompletableFuture.completedFuture(new SendOutcome.Failed("invalid-extra"));
        }
        DeliveryPriority priority = shaped.background() || template.priority() == Priority.NORMAL
                ? DeliveryPriority.CONSERVE_POWER : DeliveryPriority.IMMEDIATE;
        PushType pushType = shaped.background() ? PushType.BACKGROUND : PushType.ALERT;
        return (idempotencyKey, token) -> {
            if (closed) {
                return CompletableFuture.completedFuture(new SendOutcome.Retryable("provider-closed", null));
            }
            Instant expiration = template.expiration() != null ? template.expiration() : clock.instant().plus(defaultTimeToLive);
            SimpleApnsPushNotification notification = new SimpleApnsPushNotification(token.trim().toLowerCase(Locale.ROOT), topic,
                    shaped.json(), expiration, priority, pushType, template.collapseId(), apnsIdFor(idempotencyKey));
            return send(notification);
        };
    }

    private CompletableFuture<SendOutcome> send(SimpleApnsPushNotification notification) {
        if (!acquire()) {
            return CompletableFuture.completedFuture(new SendOutcome.Retryable(IN_FLIGHT_LIMIT, null));
        }
        final CompletableFuture<PushNotificationResponse<SimpleApnsPushNotification>> future;
        try {
            future = client.sendNotification(notification);
        } catch (RuntimeException e) {
            inFlight.release();
            return CompletableFuture.completedFuture(new SendOutcome.Retryable("io: " + describe(e), null));
        }
        return future.handle((response, error) -> {
            inFlight.release();
            if (error != null) {
                return new SendOutcome.Retryable("io: " + describe(unwrap(error)), null);
            }
            return map(response);
        });
    }

    private boolean acquire() {
        if (acquireTimeout.isZero() || acquireTimeout.isNegative()) {
            return inFlight.tryAcquire();
        }
        try {
            return inFlight.tryAcquire(acquireTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static SendOutcome map(PushNotificationResponse<?> response) {
        if (response.isAccepted()) {
            UUID id = response.getApnsId();
            return new SendOutcome.Delivered(id != null ? id.toString()
                    : response.getPushNotification().getApnsId() != null
                    ? response.getPushNotification().getApnsId().toString() : null);
        }
        int status = response.getStatusCode();
        String reason = response.getRejectionReason().orElse("HTTP " + status);
        if (status == 410 || INVALID_TOKEN_REASONS.contains(reason)) {
            return new SendOutcome.InvalidToken(reason, response.getTokenInvalidationTimestamp().orElse(null));
        }
        if (status == 429 || status >= 500 || RETRYABLE_REASONS.contains(reason)) {
            return new SendOutcome.Retryable(reason, null);
        }
        return new SendOutcome.Failed(reason);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable t) {
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg != null ? ": " + msg : "");
    }

    /** Closes the APNs client gracefully, waiting up to 10 seconds for in-flight notifications. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.close().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "APNs client did not close cleanly", e);
        }
        if (eventLoops != null) {
            eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Configures an {@link ApnsProvider}. Exactly one of token authentication ({@code .p8} key + team id + key id)
     * and client-certificate authentication (PKCS#12) is required, as is the topic.
     */
    public static final class Builder {
        private ApnsSigningKey signingKey;
        private byte[] p8;
        private String teamId;
        private String keyId;
        private byte[] p12;
        private String p12Password;
        private String host = ApnsClientBuilder.PRODUCTION_APNS_HOST;
        private int port = ApnsClientBuilder.DEFAULT_APNS_PORT;
        private X509Certificate[] trustedServerCertificates;
        private boolean hostnameVerification = true;
        private String topic;
        private int concurrentConnections = 1;
        private int eventLoopThreads;
        private int maxInFlight = 1000;
        private Duration inFlightAcquireTimeout = Duration.ZERO;
        private Duration defaultTimeToLive = Duration.ofDays(1);
        private Duration connectionTimeout = Duration.ofSeconds(10);
        private String extraKey;
        private String encryptedAlertPlaceholder;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * Token authentication with an APNs auth key.
         *
         * @param p8Pem  the {@code .p8} file contents (PKCS#8 PEM, EC P-256)
         * @param teamId the Apple developer team id
         * @param keyId  the key id
         * @return this
         */
        public Builder tokenAuth(byte[] p8Pem, String teamId, String keyId) {
            this.p8 = Objects.requireNonNull(p8Pem, "p8Pem").clone();
            this.teamId = Objects.requireNonNull(teamId, "teamId");
            this.keyId = Objects.requireNonNull(keyId, "keyId");
            return this;
        }

        /**
         * Token authentication with an APNs auth key file.
         *
         * @param p8File the {@code .p8} file
         * @param teamId the Apple developer team id
         * @param keyId  the key id
         * @return this
         */
        public Builder tokenAuth(Path p8File, String teamId, String keyId) {
            return tokenAuth(readAll(p8File), teamId, keyId);
        }

        /**
         * Token authentication with an already loaded key.
         *
         * @param key the signing key (carries team and key ids)
         * @return this
         */
        public Builder tokenAuth(ApnsSigningKey key) {
            this.signingKey = Objects.requireNonNull(key, "key");
            return this;
        }

        /**
         * Client-certificate authentication.
         *
         * @param pkcs12   the PKCS#12 (.p12) contents holding the certificate and its private key
         * @param password the PKCS#12 password (may be empty)
         * @return this
         */
        public Builder clientCertificate(byte[] pkcs12, String password) {
            this.p12 = Objects.requireNonNull(pkcs12, "pkcs12").clone();
            this.p12Password = password == null ? "" : password;
            return this;
        }

        /**
         * Client-certificate authentication from a file.
         *
         * @param pkcs12File the .p12 file
         * @param password   its password
         * @return this
         */
        public Builder clientCertificate(Path pkcs12File, String password) {
            return clientCertificate(readAll(pkcs12File), password);
        }

        /** @return this, using {@code api.push.apple.com:443} (the default) */
        public Builder production() {
            return server(ApnsClientBuilder.PRODUCTION_APNS_HOST, ApnsClientBuilder.DEFAULT_APNS_PORT);
        }

        /** @return this, using the sandbox {@code api.sandbox.push.apple.com:443} */
        public Builder development() {
            return server(ApnsClientBuilder.DEVELOPMENT_APNS_HOST, ApnsClientBuilder.DEFAULT_APNS_PORT);
        }

        /**
         * @param host explicit host (tests: {@code 127.0.0.1})
         * @param port explicit port
         * @return this
         */
        public Builder server(String host, int port) {
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            return this;
        }

        /**
         * @param certificates the CA / self-signed certificates to trust instead of the JVM's default trust store
         *                     (tests with a mock server)
         * @return this
         */
        public Builder trustedServerCertificates(X509Certificate... certificates) {
            this.trustedServerCertificates = certificates == null || certificates.length == 0 ? null
                    : certificates.clone();
            return this;
        }

        /** @param enabled whether to verify the server's host name (default true) @return this */
        public Builder hostnameVerification(boolean enabled) {
            this.hostnameVerification = enabled;
            return this;
        }

        /** @param topic the app's bundle id, e.g. {@code com.moodle.moodlemobile} @return this */
        public Builder topic(String topic) {
            this.topic = topic;
            return this;
        }

        /** @param n HTTP/2 connections the client may open (default 1) @return this */
        public Builder concurrentConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("concurrentConnections must be >= 1");
            }
            this.concurrentConnections = n;
            return this;
        }

        /**
         * @param n threads the client's connections run on (TLS, HTTP/2 framing); 0 (default) for Pushy's own
         *          single-thread event loop, which every connection then shares
         * @return this
         */
        public Builder eventLoopThreads(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("eventLoopThreads must be >= 0");
            }
            this.eventLoopThreads = n;
            return this;
        }

        /** @param n bound on notifications awaiting an answer (default 1000) @return this */
        public Builder maxInFlight(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1");
            }
            this.maxInFlight = n;
            return this;
        }

        /**
         * @param timeout how long {@link ApnsProvider#send} may block the calling thread waiting for an in-flight
         *                slot; zero (default) fails fast with {@code Retryable("in-flight-limit")}
         * @return this
         */
        public Builder inFlightAcquireTimeout(Duration timeout) {
            this.inFlightAcquireTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** @param ttl expiration used when a message has none (default 1 day) @return this */
        public Builder defaultTimeToLive(Duration ttl) {
            this.defaultTimeToLive = Objects.requireNonNull(ttl, "ttl");
            return this;
        }

        /** @param timeout TCP/TLS connection timeout (default 10 s) @return this */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * @param key null (default) to merge Moodle's {@code extra} members into the payload's top level, where the
         *            Moodle app reads them; otherwise nest the whole object under this key
         * @return this
         */
        public Builder extraKey(String key) {
            this.extraKey = key;
            return this;
        }

        /**
         * @param placeholder body for encrypted messages without alert and title (sent as alert pushes with
         *                    {@code mutable-content} so the app's extension can replace it); null (default) sends
         *                    them as background pushes
         * @return this
         */
        public Builder encryptedAlertPlaceholder(String placeholder) {
            this.encryptedAlertPlaceholder = placeholder;
            return this;
        }

        /** @param clock clock for default expirations (tests) @return this */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Which TLS implementation Pushy will use: BoringSSL through netty-tcnative when its native library loads
         * on this platform (it costs far less CPU per send), the JDK's otherwise.
         *
         * @return a description for the log
         */
        static String tlsImplementation() {
            if (io.netty.handler.ssl.OpenSsl.isAvailable()) {
                return "BoringSSL (netty-tcnative, " + io.netty.handler.ssl.OpenSsl.versionString() + ")";
            }
            return "the JDK (netty-tcnative not loaded: " + io.netty.handler.ssl.OpenSsl.unavailabilityCause() + ")";
        }

        /**
         * @return the provider with its connected-on-demand APNs client
         * @throws ProviderConfigurationException when credentials are missing, ambiguous or unreadable
         */
        public ApnsProvider build() {
            if (topic == null || topic.isBlank()) {
                throw new ProviderConfigurationException("APNs topic (bundle id) is required");
            }
            boolean token = signingKey != null || p8 != null;
            boolean cert = p12 != null;
            if (token == cert) {
                throw new ProviderConfigurationException(
                        "Configure exactly one of APNs token auth (.p8) and client certificate (.p12)");
            }
            ApnsClientBuilder cb = new ApnsClientBuilder()
                    .setApnsServer(host, port)
                    .setConcurrentConnections(concurrentConnections)
                    .setConnectionTimeout(connectionTimeout)
                    .setHostnameVerificationEnabled(hostnameVerification);
            try {
                if (token) {
                    ApnsSigningKey key = signingKey;
                    if (key == null) {
                        try (InputStream in = new ByteArrayInputStream(p8)) {
                            key = ApnsSigningKey.loadFromInputStream(in, teamId, keyId);
                        }
                    }
                    cb.setSigningKey(key);
                } else {
                    try (InputStream in = new ByteArrayInputStream(p12)) {
                        cb.setClientCredentials(in, p12Password);
                    }
                }
                if (trustedServerCertificates != null) {
                    cb.setTrustedServerCertificateChain(trustedServerCertificates);
                }
                io.netty.channel.EventLoopGroup loops = null;
                if (eventLoopThreads > 0) {
                    loops = new io.netty.channel.nio.NioEventLoopGroup(eventLoopThreads,
                            new io.netty.util.concurrent.DefaultThreadFactory("apns-event-loop", true));
                    cb.setEventLoopGroup(loops);
                }
                LOG.info(() -> "APNs client for " + host + ":" + port + ", TLS by " + tlsImplementation());
                try {
                    return new ApnsProvider(this, cb.build(), loops);
                } catch (RuntimeException | javax.net.ssl.SSLException e) {
                    if (loops != null) {
                        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                    }
                    throw e;
                }
            } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
                throw new ProviderConfigurationException("Cannot create APNs client: " + e.getMessage(), e);
            }
        }

        private static byte[] readAll(Path p) {
            try {
                return Files.readAllBytes(p);
            } catch (IOException e) {
                throw new ProviderConfigurationException("Cannot read " + p + ": " + e.getMessage(), e);
            }
        }
    }
}
