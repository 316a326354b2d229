package net.moodlepushhub.hub.keys;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.annotation.JsonbProperty;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.hub.HubSettings;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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
@ApplicationScoped
@Path("/.well-known/moodle-push-hub")
@Tag(name = "keys")
public class HubMetadataResource {

    @Inject
    HubSettings settings;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The hub's metadata: issuer, JWKS, revocation feed and audience of its access keys")
    @APIResponse(responseCode = "200", description = "The metadata", content = @Content(schema = @Schema(implementation = Metadata.class)))
    public Response metadata() {
        String issuer = settings.issuer();
        Map<String, String> types = new LinkedHashMap<>();
        for (AccessKeyKind kind : AccessKeyKind.values()) {
            types.put(kind.label(), kind.typ());
        }
        Metadata body = new Metadata(issuer, issuer + "/.well-known/jwks.json", issuer + "/api/v1/revocations", settings.keyAudience(),
                List.of("ES256"), types);
        CacheControl cache = new CacheControl();
        cache.setMaxAge(300);
        return Response.ok(body).cacheControl(cache).build();
    }

    /** The metadata document (RFC 8414 style member names). */
    @JsonbPropertyOrder({"issuer", "jwks_uri", "revocation_feed_endpoint", "audience", "signing_alg_values_supported", "key_types"})
    public record Metadata(String issuer,
                           @JsonbProperty("jwks_uri") String jwksUri,
                           @JsonbProperty("revocation_feed_endpoint") String revocationFeedEndpoint,
                           String audience,
                           @JsonbProperty("signing_alg_values_supported") List<String> signingAlgValuesSupported,
                           @JsonbProperty("key_types") Map<String, String> keyTypes) {
    }
}
