package net.moodlepushhub.gateway.web;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.gateway.GatewayProblem;

import java.io.StringReader;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Gives every 4xx problem document on the AirNotifier-compatible routes (those of the {@link AirNotifierApi}
 * resource: {@code /accesskeys/}, {@code /tokens/{pushid}}, {@code /api/v2/push/}) the {@code error} member AirNotifier answers with, in
 * AirNotifier's own words where it has them.
 *
 * <p>Moodle reads {@code $response['error']} of every 400 in its configuration check: without the member PHP
 * warns "Undefined array key" even though the key is good. Only {@code "Invalid access key"} means a bad key
 * to Moodle, so that wording is kept for key refusals alone ({@link KeyAuthentication#authenticate}). Done as
 * a response filter so that every 4xx is covered, whoever raised it (the resource, the services behind it,
 * the request-size filter, the JAX-RS runtime for a wrong method).</p>
 */
@Provider
public class AirNotifierErrors implements ContainerResponseFilter {

    /**
     * The AirNotifier routes, relative to the application: the {@code @Path}s of the {@link AirNotifierApi}
     * resource. Matched by path, not by the resource method, because a request no method matched (a wrong
     * method: 405; a body over the limit, refused before matching: 413) must get the member too.
     */
    static final Pattern ROUTES = routesOf(AirNotifierResource.class);

    /** AirNotifier's words for our problem types (api/__init__.py, api/push.py, api/accesskeys.py). */
    static final Map<String, String> WORDS = Map.ofEntries(
            Map.entry(GatewayProblem.INVALID_ACCESS_KEY.slug(), KeyAuthentication.LEGACY_INVALID_KEY),
            Map.entry("missing-device", "Invalid token"),
            Map.entry("invalid-device-token", "Invalid token"),
            Map.entry("unknown-device", "Invalid device type"),
            Map.entry("token-not-registered", "Unknown token"),
            Map.entry("site-not-verified", "Site not registered"),
            Map.entry("missing-field", "Missing field"),
            Map.entry("malformed-json", "Invalid JSON"),
            Map.entry("malformed-form", "Invalid form"),
            Map.entry("malformed-request", "Invalid request"));

    /**
     * @param resource an {@link AirNotifierApi} resource class
     * @return a pattern matching the paths of its methods, with or without a leading and a trailing slash
     */
    static Pattern routesOf(Class<?> resource) {
        if (!resource.isAnnotationPresent(AirNotifierApi.class)) {
            throw new IllegalArgumentException(resource + " is not @AirNotifierApi");
        }
        String base = trimSlashes(resource.getAnnotation(Path.class).value());
        Set<String> routes = new TreeSet<>();
        for (Method m : resource.getMethods()) {
            Path path = m.getAnnotation(Path.class);
            if (path != null) {
                String full = trimSlashes((base.isEmpty() ? "" : base + "/") + trimSlashes(path.value()));
                // Each literal quoted, each {template} one path segment.
                routes.add(Pattern.compile("\\{[^}]+}").splitAsStream(full).map(Pattern::quote)
                        .collect(Collectors.joining("[^/]+")) + (full.endsWith("}") ? "[^/]+" : "") + "/?");
            }
        }
        return Pattern.compile("^/?(" + String.join("|", routes) + ")$");
    }

    private static String trimSlashes(String s) {
        String t = s.strip();
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        int status = response.getStatus();
        if (status < 400 || status >= 500 || !(response.getEntity() instanceof String body)
                || !ROUTES.matcher(request.getUriInfo().getPath()).matches()) {
            return;
        }
        JsonObject problem;
        try (JsonReader reader = Json.createReader(new StringReader(body))) {
            problem = reader.readObject();
        } catch (JsonException | IllegalStateException e) {
            return;
        }
        if (problem.containsKey("error")) {
            return;
        }
        JsonObjectBuilder withError = Json.createObjectBuilder(problem).add("error", words(problem.getString("code", ""),
                problem.getString("scope", ""), problem.getString("detail", ""), problem.getString("title", ""), request.getMethod()));
        response.setEntity(withError.build().toString(), response.getEntityAnnotations(), response.getMediaType());
    }

    /**
     * @param code   the problem's code (its type's slug)
     * @param scope  the problem's {@code scope} member, or ""
     * @param detail the problem's detail, or ""
     * @param title  the problem's title, or ""
     * @param method the request's method
     * @return the {@code error} member AirNotifier would have sent
     */
    static String words(String code, String scope, String detail, String title, String method) {
        if ("insufficient-scope".equals(code)) {
            if (HttpMethod.DELETE.equals(method)) {
                return "No permission to delete token";
            }
            return AccessKeyKind.Scope.SEND.equals(scope) ? "No permission to send notification" : "No permission to create token";
        }
        if ("validation-failed".equals(code) && detail.startsWith("token")) {
            return "Invalid token";
        }
        String words = WORDS.get(code);
        if (words != null) {
            return words;
        }
        // No AirNotifier wording: the problem's own title ("Rate limited", "Payload too large", ...).
        return title.isBlank() ? "Request refused" : title;
    }
}
