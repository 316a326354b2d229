package net.moodlepushhub.hub.keys;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.hub.HubSettings;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hub's metadata at {@code /.well-known/moodle-push-hub} (in the manner of RFC 8414): what a gateway needs
 * to verify the keys this hub issues, above all the {@code issuer} they carry.
 *
 * <p>A gateway often reaches the hub by another address than the public one the keys name (a container
 * network, a reverse proxy, {@code 127.0.0.1} against {@code localhost}); it reads the issuer from here instead
 * of assuming that its own hub URL is the issuer. The URLs below are built from {@code hub.public-url}, as the
 * issuer is: a gateway uses them for display only and keeps calling the hub at its configured address.</p>
 *
 * <p>Not published as {@code /.well-known/oauth-authorization-server}: the hub is no OAuth authorization
 * server (no authorization or token endpoint), and RFC 8414 requires members it could not fill truthfully.</p>
 */
@Path("/.well-known/moodle-push-hub")
@Tag(name = "keys")
public class HubMetadataResource {

    @Inject
    HubSettings settings;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The hub's metadata: issuer, JWKS, revocation feed and audience of its access keys")
    public Response metadata() {
        String issuer = settings.issuer();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("issuer", issuer);
        body.put("jwks_uri", issuer + "/.well-known/jwks.json");
        body.put("revocation_feed_endpoint", issuer + "/api/v1/revocations");
        body.put("audience", settings.keyAudience());
        body.put("signing_alg_values_supported", List.of("ES256"));
        Map<String, String> types = new LinkedHashMap<>();
        for (AccessKeyKind kind : AccessKeyKind.values()) {
            types.put(kind.label(), kind.typ());
        }
        body.put("key_types", types);
        CacheControl cache = new CacheControl();
        cache.setMaxAge(300);
        return Response.ok(body).cacheControl(cache).build();
    }
}
