package net.moodlepushhub.testsupport;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Test double of Google's OAuth2 token endpoint and FCM HTTP v1 {@code messages:send}, on {@code 127.0.0.1:0}
 * (com.sun.net.httpserver, HTTP/1.1). Self-contained; reusable from integration tests and benchmarks.
 *
 * <ul>
 *   <li>{@code POST /token}: JWT-bearer grant; checks grant type, the assertion's RS256 signature against the
 *   generated service account's public key, {@code iss}, {@code aud} (= token URI), {@code scope} (firebase.messaging),
 *   {@code exp} (future, at most 1 h after {@code iat}); answers {@code {"access_token","expires_in","token_type"}}
 *   or 400 {@code invalid_grant}.</li>
 *   <li>{@code POST /v1/projects/<project>/messages:send}: 401 UNAUTHENTICATED without a valid, unexpired
 *   {@code Bearer} token; 400 INVALID_ARGUMENT for a malformed message (shape, non-string data values, bad
 *   priority/ttl, more than 4096 bytes) or a malformed token; 404 UNREGISTERED for tokens marked unregistered;
 *   403 SENDER_ID_MISMATCH for tokens marked foreign; 429 QUOTA_EXCEEDED with {@code Retry-After} while throttling;
 *   scripted failures via {@link #failNext}; else 200 {@code {"name":"projects/<p>/messages/<id>"}}.</li>
 * </ul>
 */
public final class FakeFcmServer implements AutoCloseable {

    /** The OAuth2 JWT-bearer grant type (RFC 7523) Google's token endpoint expects. */
    public static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /** The OAuth2 scope an FCM HTTP v1 sender needs. */
    public static final String FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

    /** A well-formed token looks like FCM's: long, URL-safe base64 characters and {@code :}. */
    private static final Pattern TOKEN_PATTERN = Pattern.compile("[A-Za-z0-9_:\\-]{20,4096}");
    private static final Set<String> MESSAGE_FIELDS = Set.of("token", "topic", "condition", "notification", "data",
            "android", "apns", "webpush", "fcm_options", "name");

    /** A scripted answer. @param status HTTP status @param errorCode FCM error code or gRPC status @param retryAfter header or null */
    public record Scripted(int status, String errorCode, String retryAfter) { }

    private final HttpServer server;
    private final ExecutorService executor;
    private final String projectId;
    private final String clientEmail;
    private final String privateKeyPem;
    private final RSAPublicKey publicKey;
    private final Map<String, Instant> accessTokens = new ConcurrentHashMap<>();
    private final Set<String> unregistered = ConcurrentHashMap.newKeySet();
    private final Set<String> foreign = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> receivedByToken = new ConcurrentHashMap<>();
    private final List<Map<String, Object>> received = Collections.synchronizedList(new ArrayList<>());
    private final List<Scripted> scripted = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger tokenRequests = new AtomicInteger();
    private final AtomicInteger sendRequests = new AtomicInteger();
    private final AtomicLong messageIds = new AtomicLong();
    private volatile long expiresInSeconds = 3599;
    private volatile int throttleRemaining;
    private volatile String throttleRetryAfter = "1";

    private FakeFcmServer(String projectId) throws Exception {
        this.projectId = projectId;
        this.clientEmail = "firebase-adminsdk@" + projectId + ".iam.gserviceaccount.com";
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        this.publicKey = (RSAPublicKey) kp.getPublic();
        this.privateKeyPem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(kp.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "fake-fcm");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/token", this::handleToken);
        server.createContext("/v1/projects/", this::handleSend);
        server.start();
    }

    /** @return a started server for project {@code test-project} */
    public static FakeFcmServer start() {
        return start("test-project");
    }

    /** @param projectId the Firebase project id @return a started server */
    public static FakeFcmServer start(String projectId) {
        try {
            return new FakeFcmServer(projectId);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start fake FCM", e);
        }
    }

    /** @return {@code http://127.0.0.1:<port>}, the FCM base URL to configure */
    public String baseUrl() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    /** @return the token endpoint URL (also the service account's {@code token_uri}) */
    public String tokenUri() {
        return baseUrl() + "/token";
    }

    /** @return the project id */
    public String projectId() {
        return projectId;
    }

    /** @return a service-account key file (JSON) whose key this server trusts and whose token_uri points here */
    public String serviceAccountJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "service_account");
        m.put("project_id", projectId);
        m.put("private_key_id", "fake-key-1");
        m.put("private_key", privateKeyPem);
        m.put("client_email", clientEmail);
        m.put("client_id", "1234567890");
        m.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
        m.put("token_uri", tokenUri());
        return JSONObjectUtils.toJSONString(m);
    }

    /** @return a random well-formed registration token */
    public static String randomToken() {
        byte[] b = new byte[96];
        new SecureRandom().nextBytes(b);
        return "f" + UUID.randomUUID().toString().substring(0, 8) + ":APA91b"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** @param token token to answer 404 UNREGISTERED for */
    public void markUnregistered(String token) {
        unregistered.add(token);
    }

    /** @param token token to answer 403 SENDER_ID_MISMATCH for */
    public void markForeign(String token) {
        foreign.add(token);
    }

    /** @param seconds {@code expires_in} for new access tokens (the token also really expires then) */
    public void accessTokenLifetime(long seconds) {
        this.expiresInSeconds = seconds;
    }

    /** Makes every issued access token invalid (sends then get 401 until a new token is fetched). */
    public void revokeAccessTokens() {
        accessTokens.clear();
    }

    /** @param requests how many next sends get 429 QUOTA_EXCEEDED @param retryAfter the Retry-After header value */
    public void throttle(int requests, String retryAfter) {
        this.throttleRetryAfter = retryAfter;
        this.throttleRemaining = requests;
    }

    /** @param answer scripted answer for the next send (after auth) */
    public void failNext(Scripted answer) {
        scripted.add(answer);
    }

    /** @return token endpoint requests so far (successful or not) */
    public int tokenRequests() {
        return tokenRequests.get();
    }

    /** @return send requests so far, including rejected ones */
    public int sendRequests() {
        return sendRequests.get();
    }

    /** @param token a registration token @return messages accepted for it */
    public int receivedFor(String token) {
        AtomicInteger n = receivedByToken.get(token);
        return n == null ? 0 : n.get();
    }

    /** @return the accepted {@code message} objects, in order */
    public List<Map<String, Object>> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- token endpoint

    private void handleToken(HttpExchange ex) throws IOException {
        try (ex) {
            tokenRequests.incrementAndGet();
            if (!"POST".equals(ex.getRequestMethod())) {
                reply(ex, 405, "{\"error\":\"invalid_request\"}", null);
                return;
            }
            Map<String, String> form = parseForm(read(ex.getRequestBody()));
            if (!GRANT_TYPE.equals(form.get("grant_type"))) {
                oauthError(ex, "unsupported_grant_type", "Invalid grant_type");
                return;
            }
            String problem = checkAssertion(form.get("assertion"));
            if (problem != null) {
                oauthError(ex, "invalid_grant", problem);
                return;
            }
            String token = "ya29.fake-" + UUID.randomUUID();
            long lifetime = expiresInSeconds;
            accessTokens.put(token, Instant.now().plusSeconds(lifetime));
            reply(ex, 200, "{\"access_token\":\"" + token + "\",\"expires_in\":" + lifetime
                    + ",\"token_type\":\"Bearer\"}", null);
        }
    }

    private String checkAssertion(String assertion) {
        if (assertion == null) {
            return "Missing assertion";
        }
        try {
            SignedJWT jwt = SignedJWT.parse(assertion);
            if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm())) {
                return "Invalid JWT algorithm";
            }
            if (!jwt.verify(new RSASSAVerifier(publicKey))) {
                return "Invalid JWT Signature.";
            }
            JWTClaimsSet c = jwt.getJWTClaimsSet();
            if (!clientEmail.equals(c.getIssuer())) {
                return "Invalid issuer";
            }
            if (c.getAudience() == null || !c.getAudience().contains(tokenUri())) {
                return "Invalid JWT: audience";
            }
            Object scope = c.getClaim("scope");
            if (!(scope instanceof String) || !List.of(((String) scope).split(" "))
                    .contains(FCM_SCOPE)) {
                return "Invalid scope";
            }
            if (c.getIssueTime() == null || c.getExpirationTime() == null) {
                return "Invalid JWT: iat/exp missing";
            }
            Instant iat = c.getIssueTime().toInstant();
            Instant exp = c.getExpirationTime().toInstant();
            if (!exp.isAfter(Instant.now())) {
                return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe";
            }
            if (exp.isAfter(iat.plusSeconds(3600)) || iat.isAfter(Instant.now().plusSeconds(300))) {
                return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe";
            }
            return null;
        } catch (Exception e) {
            return "Invalid JWT: " + e.getMessage();
        }
    }

    private void oauthError(HttpExchange ex, String error, String description) throws IOException {
        reply(ex, 400, JSONObjectUtils.toJSONString(Map.of("error", error, "error_description", description)), null);
    }

    // ---------------------------------------------------------------- messages:send

    private void handleSend(HttpExchange ex) throws IOException {
        try (ex) {
            sendRequests.incrementAndGet();
            String path = ex.getRequestURI().getPath();
            String expected = "/v1/projects/" + projectId + "/messages:send";
            if (!"POST".equals(ex.getRequestMethod()) || !expected.equals(path)) {
                reply(ex, 404, "<html><body>Not Found</body></html>", null);
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            Instant exp = auth != null && auth.startsWith("Bearer ") ? accessTokens.get(auth.substring(7)) : null;
            if (exp == null || !exp.isAfter(Instant.now())) {
                rpcError(ex, 401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials. "
                        + "Expected OAuth 2 access token, login cookie or other valid authentication credential.", null);
                return;
            }
            byte[] raw = ex.getRequestBody().readAllBytes();
            Map<String, Object> message;
            try {
                Map<String, Object> body = JSONObjectUtils.parse(new String(raw, StandardCharsets.UTF_8));
                message = JSONObjectUtils.getJSONObject(body, "message");
                if (message == null || body.size() != 1 && !body.containsKey("validate_only")) {
                    throw new IllegalArgumentException("Invalid JSON payload received. Unknown name");
                }
            } catch (Exception e) {
                invalidArgument(ex, "Invalid JSON payload received. " + e.getMessage());
                return;
            }
            String shapeProblem = checkMessage(message);
            if (shapeProblem != null) {
                invalidArgument(ex, shapeProblem);
                return;
            }
            String token = (String) message.get("token");
            if (!TOKEN_PATTERN.matcher(token).matches()) {
                invalidArgument(ex, "The registration token is not a valid FCM registration token");
                return;
            }
            if (unregistered.contains(token)) {
                rpcError(ex, 404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", null);
                return;
            }
            if (foreign.contains(token)) {
                rpcError(ex, 403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch", null);
                return;
            }
            if (throttleRemaining > 0) {
                throttleRemaining--;
                rpcError(ex, 429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED",
                        "Quota exceeded for quota metric 'Send requests'.", throttleRetryAfter);
                return;
            }
            Scripted s = null;
            synchronized (scripted) {
                if (!scripted.isEmpty()) {
                    s = scripted.remove(0);
                }
            }
            if (s != null) {
                String grpc = switch (s.status()) {
                    case 400 -> "INVALID_ARGUMENT";
                    case 401 -> "UNAUTHENTICATED";
                    case 403 -> "PERMISSION_DENIED";
                    case 404 -> "NOT_FOUND";
                    case 429 -> "RESOURCE_EXHAUSTED";
                    case 503 -> "UNAVAILABLE";
                    default -> "INTERNAL";
                };
                rpcError(ex, s.status(), grpc, s.errorCode(), "Scripted failure", s.retryAfter());
                return;
            }
            receivedByToken.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
            received.add(message);
            reply(ex, 200, "{\"name\":\"projects/" + projectId + "/messages/0:" + messageIds.incrementAndGet()
                    + "%fake\"}", null);
        }
    }

    @SuppressWarnings("unchecked")
    private static String checkMessage(Map<String, Object> m) {
        for (String k : m.keySet()) {
            if (!MESSAGE_FIELDS.contains(k)) {
                return "Invalid JSON payload received. Unknown name \"" + k + "\" at 'message': Cannot find field.";
            }
        }
        if (!(m.get("token") instanceof String)) {
            return "Recipient of the message is not set.";
        }
        Object data = m.get("data");
        if (data != null) {
            if (!(data instanceof Map)) {
                return "Invalid value at 'message.data'";
            }
            for (Map.Entry<String, Object> e : ((Map<String, Object>) data).entrySet()) {
                if (!(e.getValue() instanceof String)) {
                    return "Invalid value at 'message.data[0].value' (TYPE_STRING), " + e.getValue();
                }
            }
        }
        Object n = m.get("notification");
        if (n != null) {
            if (!(n instanceof Map)) {
                return "Invalid value at 'message.notification'";
            }
            for (Map.Entry<String, Object> e : ((Map<String, Object>) n).entrySet()) {
                if (!Set.of("title", "body", "image").contains(e.getKey()) || !(e.getValue() instanceof String)) {
                    return "Invalid value at 'message.notification." + e.getKey() + "'";
                }
            }
        }
        Object a = m.get("android");
        if (a != null) {
            if (!(a instanceof Map)) {
                return "Invalid value at 'message.android'";
            }
            Map<String, Object> android = (Map<String, Object>) a;
            Object p = android.get("priority");
            if (p != null && !"HIGH".equals(p) && !"NORMAL".equals(p)) {
                return "Invalid value at 'message.android.priority'";
            }
            Object ttl = android.get("ttl");
            if (ttl != null && !(ttl instanceof String && ((String) ttl).matches("\\d+(\\.\\d{1,9})?s"))) {
                return "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration)";
            }
        }
        Object apns = m.get("apns");
        if (apns != null) {
            if (!(apns instanceof Map)) {
                return "Invalid value at 'message.apns'";
            }
            Object headers = ((Map<String, Object>) apns).get("headers");
            if (headers != null) {
                if (!(headers instanceof Map)) {
                    return "Invalid value at 'message.apns.headers'";
                }
                for (Object v : ((Map<String, Object>) headers).values()) {
                    if (!(v instanceof String)) {
                        return "Invalid value at 'message.apns.headers[0].value' (TYPE_STRING)";
                    }
                }
            }
        }
        Map<String, Object> sized = new HashMap<>();
        if (n != null) {
            sized.put("notification", n);
        }
        if (data != null) {
            sized.put("data", data);
        }
        if (JSONObjectUtils.toJSONString(sized).getBytes(StandardCharsets.UTF_8).length > 4096) {
            return "Message is too big";
        }
        return null;
    }

    private void invalidArgument(HttpExchange ex, String message) throws IOException {
        rpcError(ex, 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", message, null);
    }

    private void rpcError(HttpExchange ex, int status, String grpcStatus, String fcmErrorCode, String message,
                          String retryAfter) throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", status);
        error.put("message", message);
        error.put("status", grpcStatus);
        if (fcmErrorCode != null) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError");
            detail.put("errorCode", fcmErrorCode);
            error.put("details", List.of(detail));
        }
        reply(ex, status, JSONObjectUtils.toJSONString(Map.of("error", error)), retryAfter);
    }

    private static void reply(HttpExchange ex, int status, String body, String retryAfter) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type",
                body.startsWith("<") ? "text/html" : "application/json; charset=UTF-8");
        if (retryAfter != null) {
            ex.getResponseHeaders().set("Retry-After", retryAfter);
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> m = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }
}
