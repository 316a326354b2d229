package net.moodlepushhub.gateway.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.ProviderConfigurationException;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.PushProvider;
import net.moodlepushhub.gateway.provider.RetryAfter;
import net.moodlepushhub.gateway.provider.SendOutcome;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Sends to Firebase Cloud Messaging HTTP v1 ({@code POST {base}/v1/projects/{project}/messages:send}) with
 * {@link java.net.http.HttpClient} (HTTP/2 when the server offers it), authenticating with OAuth2 access tokens from
 * {@link AccessTokenSource} (cached, single-flight refresh; on a 401 the token is dropped and the send retried
 * once).
 *
 * <p><b>Answers:</b> 200 &rarr; {@link SendOutcome.Delivered} with the message {@code name}; 404 with a
 * {@code NOT_FOUND} status body, or {@code UNREGISTERED} &rarr; {@link SendOutcome.InvalidToken} (a bare 404 without a
 * Google error body, e.g. from a misconfigured base URL or proxy, is {@code Failed}, so it cannot wipe tokens); {@code INVALID_ARGUMENT} about the registration token
 * &rarr; InvalidToken, other {@code INVALID_ARGUMENT} &rarr; {@link SendOutcome.Failed}; {@code SENDER_ID_MISMATCH}
 * &rarr; InvalidToken (the token belongs to another project); 429 {@code QUOTA_EXCEEDED}, 500 {@code INTERNAL},
 * 503 {@code UNAVAILABLE}, other 5xx and I/O errors &rarr; {@link SendOutcome.Retryable} with {@code Retry-After}
 * (seconds or HTTP-date) when given; 401 after the retry &rarr; Failed; other 4xx &rarr; Failed. Token endpoint
 * failures: I/O, 429, 5xx &rarr; Retryable ({@code oauth-...}); 4xx (e.g. {@code invalid_grant}: revoked key)
 * &rarr; Failed ({@code oauth-...}). Reasons are the FCM {@code errorCode} (else {@code status}) followed by
 * {@code ": "} and Google's message.</p>
 *
 * <p>Thread-safe; create one per service account and {@link #close()} it on shutdown.</p>
 */
public final class FcmProvider implements PushProvider {

    /** FCM's production base URL. */
    public static final String DEFAULT_BASE_URL = "https://fcm.googleapis.com";
    private static final String FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError";

    private final ServiceAccount account;
    private final HttpClient http;
    private final ExecutorService ownedExecutor;
    private final AccessTokenSource tokens;
    private final FcmMessageBuilder messages;
    private final URI sendUri;
    private final Duration requestTimeout;
    private final Clock clock;

    private FcmProvider(Builder b, ServiceAccount account) {
        this.account = account;
        this.clock = b.clock;
        this.requestTimeout = b.requestTimeout;
        if (b.httpClient != null) {
            this.http = b.httpClient;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "fcm-http");
                t.setDaemon(true);
                return t;
            });
            this.http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_2)
                    .connectTimeout(b.connectTimeout)
                    .executor(ownedExecutor)
                    .build();
        }
        this.tokens = new AccessTokenSource(account, http, clock, b.tokenRefreshMargin, requestTimeout);
        this.messages = new FcmMessageBuilder(clock, FcmMessageBuilder.MAX_PAYLOAD_BYTES);
        String base = b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl;
        this.sendUri = URI.create(base + "/v1/projects/" + account.projectId() + "/messages:send");
    }

    /** @return a new builder */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Platform platform() {
        return Platform.FCM;
    }

    /** @return the Firebase project this provider sends to */
    public String projectId() {
        return account.projectId();
    }

    /** @return the access-token cache (exposed for metrics and tests) */
    public AccessTokenSource accessTokens() {
        return tokens;
    }

    @Override
    public CompletableFuture<SendOutcome> send(PushMessage message) {
        Objects.requireNonNull(message, "message");
        final String body;
        try {
            Optional<String> built = messages.build(message);
            if (built.isEmpty()) {
                return CompletableFuture.completedFuture(new SendOutcome.Failed("payload-too-large"));
            }
            body = built.get();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new SendOutcome.Failed("invalid-extra"));
        }
        return attempt(body, true);
    }

    /**
     * Builds the request body once (parsing Moodle's extra, fitting 4 KiB, serialising) with a placeholder
     * where the token goes; each recipient then costs a string concatenation. A message with an expiration is
     * built per recipient, because its {@code ttl} is counted from the moment of sending.
     */
    @Override
    public Prepared prepare(PushMessage template) {
        Objects.requireNonNull(template, "template");
        if (template.expiration() != null) {
            return PushProvider.super.prepare(template);
        }
        String placeholder = "\u0000token\u0000";
        final String body;
        try {
            Optional<String> built = messages.build(new PushMessage(template.idempotencyKey(), placeholder, template.platform(), template.alert(),
                    template.title(), template.jsonExtra(), template.badge(), template.sound(), null, template.priority(), template.collapseId()));
            if (built.isEmpty()) {
                return (key, token) -> CompletableFuture.completedFuture(new SendOutcome.Failed("payload-too-large"));
            }
            body = built.get();
        } catch (IllegalArgumentException e) {
            return (key, token) -> CompletableFuture.completedFuture(new SendOutcome.Failed("invalid-extra"));
        }
        String encoded = JSONObjectUtils.toJSONString(Map.of("t", placeholder));
        encoded = encoded.substring(encoded.indexOf(':') + 2, encoded.length() - 2);
        int at = body.indexOf(encoded);
        if (at < 0) {
            return PushProvider.super.prepare(template);
        }
        String prefix = body.substring(0, at);
        String suffix = body.substring(at + encoded.length());
        return (key, token) -> SAFE_TOKEN.matcher(token).matches()
                ? attempt(prefix + token + suffix, true)
                : send(new PushMessage(key, token, template.platform(), template.alert(), template.title(), template.jsonExtra(),
                template.badge(), template.sound(), null, template.priority(), template.collapseId()));
    }

    /** Tokens that need no escaping in JSON (FCM registration tokens are of this shape). */
    private static final java.util.regex.Pattern SAFE_TOKEN = java.util.regex.Pattern.compile("[A-Za-z0-9_:\\-.]+");

    private CompletableFuture<SendOutcome> attempt(String body, boolean mayRetryAuth) {
        return tokens.token().handle((token, err) -> {
            if (err != null) {
                return CompletableFuture.<SendOutcome>completedFuture(oauthFailure(unwrap(err)));
            }
            HttpRequest req = HttpRequest.newBuilder(sendUri)
                    .timeout(requestTimeout)
                    .header("Authorization", "Bearer " + token.value())
                    .header("Content-Type", "application/json; charset=UTF-8")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build();
            return http.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                    .handle((resp, ioErr) -> {
                        if (ioErr != null) {
                            Throwable t = unwrap(ioErr);
                            return CompletableFuture.<SendOutcome>completedFuture(new SendOutcome.Retryable(
                                    "io: " + t.getClass().getSimpleName()
                                            + (t.getMessage() != null ? ": " + t.getMessage() : ""), null));
                        }
                        if (resp.statusCode() == 401 && mayRetryAuth) {
                            tokens.invalidate(token.value());
                            return attempt(body, false);
                        }
                        return CompletableFuture.completedFuture(map(resp.statusCode(), resp.body(),
                                resp.headers().firstValue("Retry-After").orElse(null)));
                    })
                    .thenCompose(f -> f);
        }).thenCompose(f -> f);
    }

    private static SendOutcome oauthFailure(Throwable t) {
        if (t instanceof AccessTokenSource.TokenException) {
            AccessTokenSource.TokenException te = (AccessTokenSource.TokenException) t;
            String reason = "oauth-" + (te.status() == 0 ? "io" : Integer.toString(te.status())) + ": "
                    + te.getMessage();
            return te.retryable() ? new SendOutcome.Retryable(reason, null) : new SendOutcome.Failed(reason);
        }
        return new SendOutcome.Retryable("oauth: " + t, null);
    }

    /**
     * Maps an FCM HTTP answer to an outcome (see the class description).
     *
     * @param status     HTTP status
     * @param body       response body
     * @param retryAfter the {@code Retry-After} header or null
     * @return the outcome
     */
    SendOutcome map(int status, String body, String retryAfter) {
        Map<String, Object> json = parse(body);
        if (status == 200) {
            Object name = json.get("name");
            return new SendOutcome.Delivered(name instanceof String ? (String) name : null);
        }
        Map<String, Object> error = asMap(json.get("error"));
        String grpcStatus = error.get("status") instanceof String ? (String) error.get("status") : null;
        String message = error.get("message") instanceof String ? (String) error.get("message") : "";
        String errorCode = fcmErrorCode(error);
        String code = errorCode != null ? errorCode : grpcStatus != null ? grpcStatus : "HTTP_" + status;
        String reason = message.isEmpty() ? code : code + ": " + message;

        if ("UNREGISTERED".equals(errorCode) || (status == 404 && "NOT_FOUND".equals(grpcStatus))) {
            return new SendOutcome.InvalidToken(reason, null);
        }
        if ("SENDER_ID_MISMATCH".equals(errorCode)) {
            return new SendOutcome.InvalidToken(reason, null);
        }
        if ("INVALID_ARGUMENT".equals(code) || (status == 400 && errorCode == null)) {
            return concernsRegistrationToken(message) ? new SendOutcome.InvalidToken(reason, null)
                    : new SendOutcome.Failed(reason);
        }
        if (status == 429 || status >= 500 || "QUOTA_EXCEEDED".equals(errorCode) || "UNAVAILABLE".equals(errorCode)
                || "INTERNAL".equals(errorCode)) {
            return new SendOutcome.Retryable(reason, RetryAfter.parse(retryAfter, clock));
        }
        return new SendOutcome.Failed(reason);
    }

    private static boolean concernsRegistrationToken(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("registration token") || m.contains("message.token");
    }

    private static String fcmErrorCode(Map<String, Object> error) {
        Object details = error.get("details");
        if (details instanceof List) {
            for (Object d : (List<?>) details) {
                Map<String, Object> dm = asMap(d);
                if (FCM_ERROR_TYPE.equals(dm.get("@type")) && dm.get("errorCode") instanceof String) {
                    return (String) dm.get("errorCode");
                }
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : Map.of();
    }

    private static Map<String, Object> parse(String body) {
        if (body == null || body.isBlank()) {
            return Map.of();
        }
        try {
            return JSONObjectUtils.parse(body);
        } catch (java.text.ParseException | RuntimeException e) {
            return Map.of();
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Stops the HTTP client's own threads (when the builder created the client). */
    @Override
    public void close() {
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }

    /** Configures an {@link FcmProvider}. The service account is required. */
    public static final class Builder {
        private String serviceAccountJson;
        private Path serviceAccountPath;
        private String tokenUri;
        private String baseUrl = DEFAULT_BASE_URL;
        private HttpClient httpClient;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration tokenRefreshMargin = Duration.ofSeconds(60);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** @param json the service-account key file's contents @return this */
        public Builder serviceAccountJson(String json) {
            this.serviceAccountJson = json;
            this.serviceAccountPath = null;
            return this;
        }

        /** @param file the service-account key file @return this */
        public Builder serviceAccountFile(Path file) {
            this.serviceAccountPath = file;
            this.serviceAccountJson = null;
            return this;
        }

        /** @param uri token endpoint replacing the file's {@code token_uri} (tests) @return this */
        public Builder tokenUri(String uri) {
            this.tokenUri = uri;
            return this;
        }

        /** @param url FCM base URL, default {@value FcmProvider#DEFAULT_BASE_URL} @return this */
        public Builder baseUrl(String url) {
            this.baseUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        /**
         * @param client an HTTP client to use instead of the provider's own (then {@link FcmProvider#close()} leaves
         *               it alone)
         * @return this
         */
        public Builder httpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        /** @param d connect timeout of the provider's own client (default 10 s) @return this */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d);
            return this;
        }

        /** @param d per-request timeout (default 30 s) @return this */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = Objects.requireNonNull(d);
            return this;
        }

        /** @param d refresh access tokens this long before they expire (default 60 s) @return this */
        public Builder tokenRefreshMargin(Duration d) {
            this.tokenRefreshMargin = Objects.requireNonNull(d);
            return this;
        }

        /** @param clock time source (tests) @return this */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /**
         * @return the provider
         * @throws ProviderConfigurationException when the service account is missing or invalid
         */
        public FcmProvider build() {
            ServiceAccount account;
            if (serviceAccountJson != null) {
                account = ServiceAccount.parse(serviceAccountJson);
            } else if (serviceAccountPath != null) {
                account = ServiceAccount.read(serviceAccountPath);
            } else {
                throw new ProviderConfigurationException("FCM service account is required");
            }
            if (tokenUri != null) {
                account = account.withTokenUri(tokenUri);
            }
            return new FcmProvider(this, account);
        }
    }
}
