package net.moodlepushhub.gateway.web;

import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.delivery.NotificationService;
import net.moodlepushhub.gateway.keys.Caller;
import net.moodlepushhub.gateway.tokens.DeviceTokens;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The AirNotifier API exactly as Moodle's {@code message_airnotifier} plugin uses it (see
 * {@code shared/moodle-airnotifier-protocol.md}): form fields arrive as multipart or URL-encoded, the push body
 * is JSON whatever the Content-Type, the key comes in {@code X-AN-APP-KEY}.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "airnotifier")
public class AirNotifierResource {

    @Inject
    KeyAuthentication auth;

    @Inject
    DeviceTokens tokens;

    @Inject
    NotificationService notifications;

    @Inject
    HubClient hub;

    @Context
    HttpHeaders headers;

    @POST
    @Path("accesskeys/")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Moodle's request_accesskey(): the site key of a site the hub verified for this URL")
    public Map<String, String> accessKey(byte[] body) {
        Map<String, String> form = FormFields.parse(headers.getMediaType(), body);
        String url = form.get("url");
        String siteId = form.get("siteid");
        if (url == null || url.isBlank() || siteId == null || siteId.isBlank()) {
            throw Problem.of(400, "missing-field", "The fields 'url' and 'siteid' are required.").toException();
        }
        return Map.of("accesskey", hub.moodleAccessKey(url.trim(), siteId.trim()));
    }

    @POST
    @Path("tokens/{pushid}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Moodle's create_token(): registers (device key) or confirms (site key) a device token")
    public Map<String, String> createToken(@PathParam("pushid") String pushId, byte[] body) {
        Caller caller = auth.requireTokenRegistration(headers, true);
        String device = FormFields.parse(headers.getMediaType(), body).get("device");
        boolean siteKey = caller.kind() == AccessKeyKind.SITE;
        DeviceTokens.Result result = tokens.register(caller.siteId(), pushId, device, siteKey);
        return Map.of("status", result == DeviceTokens.Result.CREATED ? "ok" : "token exists");
    }

    @DELETE
    @Path("tokens/{pushid}")
    @Operation(summary = "Removes the site's binding of a device token")
    public Response deleteToken(@PathParam("pushid") String pushId) {
        Caller caller = auth.requireLegacy(headers, AccessKeyKind.Scope.CONFIRM_TOKEN);
        tokens.delete(caller.siteId(), pushId);
        return Response.noContent().build();
    }

    @POST
    @Path("api/v2/push/")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Moodle's send_message(): one notification to one device token")
    public Response push(String body) {
        Caller caller = auth.requireLegacy(headers, AccessKeyKind.Scope.SEND);
        JsonObject o = PushBodies.parse(body);
        String token = o.containsKey("token") && !o.isNull("token") ? o.get("token").toString().replace("\"", "") : null;
        if (token == null || token.isBlank()) {
            throw Problem.of(422, "validation-failed", "token: required").toException();
        }
        NotificationService.Accepted accepted = notifications.send(caller, PushBodies.message(o), List.of(token));
        if (accepted.queued() == 0) {
            throw DeviceTokens.notRegistered();
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", "ok");
        answer.put("notificationId", accepted.notificationId());
        return Response.accepted(answer).build();
    }
}
