package net.moodlepushhub.gateway.fcm;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Obtains OAuth2 access tokens for FCM with the service-account "JWT bearer" grant (RFC 7523): an RS256 assertion
 * ({@code iss}=client_email, {@code scope}=firebase.messaging, {@code aud}=token_uri, {@code iat}, {@code exp} one
 * hour later) posted to {@code token_uri}. The token is cached until {@code refreshMargin} before it expires;
 * concurrent callers share one refresh (single flight). Thread-safe.
 */
public final class AccessTokenSource {

    /** The OAuth2 scope for FCM HTTP v1. */
    public static final String FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    /** The JWT-bearer grant type. */
    public static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /** A cached access token. @param value the bearer token @param expiresAt when it expires */
    public record Token(String value, Instant expiresAt) { }

    /** Failure of the token endpoint. */
    public static final class TokenException extends RuntimeException {
        private final int status;

        /** @param status HTTP status, 0 for I/O failures @param message description @param cause cause or null */
        public TokenException(int status, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        /** @return HTTP status of the token endpoint's answer, 0 for transport failures */
        public int status() {
            return status;
        }

        /** @return true when retrying later may help (I/O, 429, 5xx) */
        public boolean retryable() {
            return status == 0 || status == 429 || status >= 500;
        }
    }

    private final ServiceAccount account;
    private final HttpClient http;
    private final Clock clock;
    private final Duration refreshMargin;
    private final Duration requestTimeout;
    private final AtomicReference<Token> current = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<Token>> refreshing = new AtomicReference<>();

    /**
     * @param account        the service account
     * @param http           the HTTP client
     * @param clock          time source
     * @param refreshMargin  refresh this long before expiry
     * @param requestTimeout timeout for the token request
     */
    public AccessTokenSource(ServiceAccount account, HttpClient http, Clock clock, Duration refreshMargin,
                             Duration requestTimeout) {
        this.account = Objects.requireNonNull(account);
        this.http = Objects.requireNonNull(http);
        this.clock = Objects.requireNonNull(clock);
        this.refreshMargin = Objects.requireNonNull(refreshMargin);
        this.requestTimeout = Objects.requireNonNull(requestTimeout);
    }

    /**
     * @return a valid token: the cached one, or a fresh one (fetched at most once however many callers wait). The
     * future fails with {@link TokenException} when the endpoint refuses or cannot be reached.
     */
    public CompletableFuture<Token> token() {
        Token t = current.get();
        if (t != null && clock.instant().isBefore(t.expiresAt().minus(refreshMargin))) {
            return CompletableFuture.completedFuture(t);
        }
        while (true) {
            CompletableFuture<Token> inflight = refreshing.get();
            if (inflight != null) {
                return inflight;
            }
            CompletableFuture<Token> mine = new CompletableFuture<>();
            if (refreshing.compareAndSet(null, mine)) {
                // re-check: another refresh may have just finished
                Token again = current.get();
                if (again != null && again != t
                        && clock.instant().isBefore(again.expiresAt().minus(refreshMargin))) {
                    refreshing.set(null);
                    mine.complete(again);
                    return mine;
                }
                fetch().whenComplete((tok, err) -> {
                    if (err == null) {
                        current.set(tok);
                    }
                    refreshing.compareAndSet(mine, null);
                    if (err != null) {
                        mine.completeExceptionally(err);
                    } else {
                        mine.complete(tok);
                    }
                });
                return mine;
            }
        }
    }

    /**
     * Drops the cached token if it is still {@code rejected} (e.g. FCM answered 401 for it), so the next
     * {@link #token()} fetches a new one.
     *
     * @param rejected the token value FCM refused
     */
    public void invalidate(String rejected) {
        Token t = current.get();
        if (t != null && t.value().equals(rejected)) {
            current.compareAndSet(t, null);
        }
    }

    /** @return the cached token, if any (for tests/metrics) */
    public Token cached() {
        return current.get();
    }

    private CompletableFuture<Token> fetch() {
        final String assertion;
        final Instant now = clock.instant();
        try {
            assertion = assertion(now);
        } catch (JOSEException e) {
            return CompletableFuture.failedFuture(new TokenException(0, "cannot sign JWT assertion", e));
        }
        String form = "grant_type=" + URLEncoder.encode(GRANT_TYPE, StandardCharsets.UTF_8)
                + "&assertion=" + URLEncoder.encode(assertion, StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(URI.create(account.tokenUri()))
                .timeout(requestTimeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((resp, err) -> {
                    if (err != null) {
                        throw new TokenException(0, "token endpoint unreachable: " + err, err);
                    }
                    if (resp.statusCode() != 200) {
                        throw new TokenException(resp.statusCode(), "token endpoint answered " + resp.statusCode()
                                + ": " + abbreviate(resp.body()), null);
                    }
                    try {
                        Map<String, Object> m = JSONObjectUtils.parse(resp.body());
                        Object tok = m.get("access_token");
                        Object exp = m.get("expires_in");
                        if (!(tok instanceof String)) {
                            throw new TokenException(resp.statusCode(), "no access_token in answer", null);
                        }
                        long seconds = exp instanceof Number ? ((Number) exp).longValue()
                                : exp instanceof String ? Long.parseLong((String) exp) : 3600;
                        return new Token((String) tok, now.plusSeconds(seconds));
                    } catch (java.text.ParseException | NumberFormatException e) {
                        throw new TokenException(resp.statusCode(), "unreadable token answer", e);
                    }
                });
    }

    String assertion(Instant now) throws JOSEException {
        JWSHeader.Builder h = new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT);
        if (account.privateKeyId() != null) {
            h.keyID(account.privateKeyId());
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(account.clientEmail())
                .audience(account.tokenUri())
                .claim("scope", FCM_SCOPE)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(3600)))
                .build();
        SignedJWT jwt = new SignedJWT(h.build(), claims);
        jwt.sign(new RSASSASigner(account.privateKey()));
        return jwt.serialize();
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
