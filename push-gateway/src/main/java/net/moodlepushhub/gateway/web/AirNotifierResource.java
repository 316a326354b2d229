package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.ApplicationScoped;
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
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.GatewayProblem;
import net.moodlepushhub.gateway.delivery.NotificationService;
import net.moodlepushhub.gateway.keys.Caller;
import net.moodlepushhub.gateway.tokens.DeviceTokens;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.Map;

/**
 * The AirNotifier API exactly as Moodle's {@code message_airnotifier} plugin uses it (see
 * {@code shared/moodle-airnotifier-protocol.md}): form fields arrive as multipart or URL-encoded, the push body
 * is JSON whatever the Content-Type, the key comes in {@code X-AN-APP-KEY}.
 */
@ApplicationScoped
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "airnotifier")
@AirNotifierApi
public class AirNotifierResource {

    /**
     * Moodle's site key.
     *
     * @param accesskey the key in Moodle's form
     */
    public record AccessKey(String accesskey) {
    }

    /**
     * AirNotifier's answer to a token registration or a push.
     *
     * @param status {@code ok}, or {@code token exists} for a token already registered
     */
    public record Status(String status) {
    }

    /**
     * The answer to a push: queued.
     *
     * @param status         always {@code ok}
     * @param notificationId the notification's id, for {@code GET /api/v1/notifications/{id}}
     */
    public record Pushed(String status, String notificationId) {
    }

    @Inject
    CurrentCaller caller;

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
    public AccessKey accessKey(byte[] body) {
        Map<String, String> form = FormFields.parse(headers.getMediaType(), body);
        String url = form.get("url");
        String siteId = form.get("siteid");
        if (url == null || url.isBlank() || siteId == null || siteId.isBlank()) {
            throw Problem.of(GatewayProblem.MISSING_FIELD, "The fields 'url' and 'siteid' are required.").toException();
        }
        return new AccessKey(hub.moodleAccessKey(url.trim(), siteId.trim()));
    }

    @POST
    @Path("tokens/{pushid}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Moodle's create_token(): registers (device key) or confirms (site key) a device token")
    @RequiresScope({AccessKeyKind.Scope.CONFIRM_TOKEN, AccessKeyKind.Scope.CREATE_TOKEN})
    public Status createToken(@PathParam("pushid") String pushId, byte[] body) {
        Caller caller = this.caller.get();
        String device = FormFields.parse(headers.getMediaType(), body).get("device");
        boolean siteKey = caller.kind() == AccessKeyKind.SITE;
        DeviceTokens.Result result = tokens.register(caller.siteId(), pushId, device, siteKey);
        return new Status(result == DeviceTokens.Result.CREATED ? "ok" : "token exists");
    }

    @DELETE
    @Path("tokens/{pushid}")
    @Operation(summary = "Removes the site's binding of a device token")
    @RequiresScope(AccessKeyKind.Scope.CONFIRM_TOKEN)
    public Response deleteToken(@PathParam("pushid") String pushId) {
        tokens.delete(caller.get().siteId(), pushId);
        return Response.noContent().build();
    }

    @POST
    @Path("api/v2/push/")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Moodle's send_message(): one notification to one device token")
    @RequiresScope(AccessKeyKind.Scope.SEND)
    public Response push(String body) {
        JsonObject o = PushBodies.parse(body);
        String token = o.containsKey("token") && !o.isNull("token") ? o.get("token").toString().replace("\"", "") : null;
        if (token == null || token.isBlank()) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "token: required").toException();
        }
        NotificationService.Accepted accepted = notifications.send(caller.get(), PushBodies.message(o), List.of(token));
        if (accepted.queued() == 0) {
            throw DeviceTokens.notRegistered();
        }
        return Response.accepted(new Pushed("ok", accepted.notificationId())).build();
    }
}
