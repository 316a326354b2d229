package net.moodlepushhub.testsupport;

import com.nimbusds.jose.util.JSONObjectUtils;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;

/**
 * A small real-HTTP client for tests: sends a request, returns status, headers and the body parsed as a JSON
 * object when it is one.
 */
public final class HttpJson {

    // HTTP/1.1 as Moodle (PHP cURL) speaks it; the JDK client would otherwise attempt an h2c upgrade.
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    /** @param base the base URL every path is resolved against (ends with a slash) */
    public HttpJson(String base) {
        this.base = base.endsWith("/") ? base : base + "/";
    }

    /** An HTTP answer. */
    public record Answer(int status, String contentType, String body, HttpResponse<String> raw) {
        /** @return the body as a JSON object */
        public Map<String, Object> json() {
            try {
                return JSONObjectUtils.parse(body);
            } catch (ParseException e) {
                throw new AssertionError("not a JSON object (status " + status + "): " + body, e);
            }
        }

        /** @return the value of a top-level member, as a string */
        public String get(String member) {
            Object v = json().get(member);
            return v == null ? null : v.toString();
        }

        /** @return a header value or null */
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + body;
        }
    }

    /** @return the base URL */
    public String base() {
        return base;
    }

    /**
     * @param method HTTP method
     * @param path   path relative to the base (no leading slash)
     * @param json   request body, or null
     * @param bearer bearer token, or null
     * @return the answer
     */
    public Answer send(String method, String path, String json, String bearer) {
        return send(method, path, json, bearer, "application/json");
    }

    /**
     * @param method      HTTP method
     * @param path        path relative to the base (no leading slash)
     * @param body        request body, or null
     * @param bearer      bearer token, or null
     * @param contentType the body's content type
     * @return the answer
     */
    public Answer send(String method, String path, String body, String bearer, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            b.header("Content-Type", contentType);
            b.method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return exchange(b.build());
    }

    /**
     * @param request a fully built request
     * @return the answer
     */
    public Answer exchange(HttpRequest request) {
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r);
        } catch (IOException e) {
            throw new AssertionError("HTTP " + request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** @return the underlying client */
    public HttpClient client() {
        return client;
    }
}
