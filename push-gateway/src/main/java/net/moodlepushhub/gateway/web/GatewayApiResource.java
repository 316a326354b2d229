package net.moodlepushhub.gateway.web;

import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.delivery.DeliveryStatus;
import net.moodlepushhub.gateway.delivery.DeliveryQueue;
import net.moodlepushhub.gateway.delivery.DeliveryReadModel;
import net.moodlepushhub.gateway.delivery.NotificationService;
import net.moodlepushhub.gateway.keys.Caller;
import net.moodlepushhub.gateway.tokens.DeviceTokens;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The gateway's own JSON API beside the AirNotifier one: device tokens, channels, sends to up to 1,000
 * recipients with a result per recipient, broadcasts, delivery status, failures and retries.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "gateway")
public class GatewayApiResource {

    static final Pattern CHANNEL = Pattern.compile("^[A-Za-z0-9_.:-]{1,64}$");

    @Inject
    KeyAuthentication auth;

    @Inject
    DeviceTokens tokens;

    @Inject
    NotificationService notifications;

    @Inject
    DeliveryReadModel deliveries;

    @Inject
    DeliveryQueue queue;

    @Context
    HttpHeaders headers;

    @POST
    @Path("tokens")
    @Operation(summary = "Register a device token", description = "With a device key the token is unconfirmed (purged after a minute unless the site confirms it); with a site key it is confirmed for that site.")
    public Response registerToken(String body) {
        JsonObject o = PushBodies.parse(body);
        Caller caller = auth.requireTokenRegistration(headers, false);
        String token = o.getString("token", null);
        String device = o.getString("device", null);
        boolean confirm = caller.kind() == AccessKeyKind.SITE;
        DeviceTokens.Result result = tokens.register(caller.siteId(), token, device, confirm);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("token", token);
        answer.put("confirmed", confirm);
        answer.put("status", result == DeviceTokens.Result.CREATED ? "created" : "exists");
        return Response.status(result == DeviceTokens.Result.CREATED ? 201 : 200).entity(answer).build();
    }

    @DELETE
    @Path("tokens/{token}")
    @Operation(summary = "Remove the site's binding of a device token")
    public Response deleteToken(@PathParam("token") String token) {
        Caller caller = auth.require(headers, AccessKeyKind.Scope.CONFIRM_TOKEN);
        tokens.delete(caller.siteId(), token);
        return Response.noContent().build();
    }

    @POST
    @Path("tokens/{token}/channels")
    @Operation(summary = "Subscribe a confirmed device token to channels")
    public Map<String, Object> subscribe(@PathParam("token") String token, String body) {
        Caller caller = auth.require(headers, AccessKeyKind.Scope.CONFIRM_TOKEN);
        List<String> channels = strings(PushBodies.parse(body), "channels", 50);
        for (String c : channels) {
            if (!CHANNEL.matcher(c).matches()) {
                throw Problem.of(422, "validation-failed", "channels: names are 1-64 characters of A-Z a-z 0-9 _ . : -").toException();
            }
        }
        tokens.subscribe(caller.siteId(), token, channels);
        return Map.of("token", token, "channels", channels);
    }

    @POST
    @Path("notifications")
    @Operation(summary = "Send one notification to up to 1,000 recipients", description = "202 with a result per recipient: queued, not_registered or duplicate.")
    public Response send(String body) {
        Caller caller = auth.require(headers, AccessKeyKind.Scope.SEND);
        JsonObject o = PushBodies.parse(body);
        List<String> recipients = strings(o, "tokens", Integer.MAX_VALUE);
        NotificationService.Accepted accepted = notifications.send(caller, PushBodies.message(o), recipients);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("notificationId", accepted.notificationId());
        answer.put("queued", accepted.queued());
        answer.put("recipients", accepted.recipients());
        return Response.accepted(answer).build();
    }

    @POST
    @Path("broadcasts")
    @Operation(summary = "Send to every device of a channel", description = "Without a channel: the site's default channel, the md5 of its URL, which every confirmed device is in.")
    public Response broadcast(String body) {
        Caller caller = auth.require(headers, AccessKeyKind.Scope.BROADCAST);
        JsonObject o = PushBodies.parse(body);
        String channel = o.getString("channel", null);
        if (channel != null && !CHANNEL.matcher(channel).matches()) {
            throw Problem.of(422, "validation-failed", "channel: 1-64 characters of A-Z a-z 0-9 _ . : -").toException();
        }
        NotificationService.Accepted accepted = notifications.broadcast(caller, channel, PushBodies.message(o));
        return Response.accepted(Map.of("notificationId", accepted.notificationId(), "recipients", accepted.queued())).build();
    }

    @GET
    @Path("notifications/{id}")
    @Operation(summary = "A notification's per-recipient delivery status")
    public Map<String, Object> status(@PathParam("id") String id) {
        Caller caller = auth.require(headers, AccessKeyKind.Scope.SEND);
        Map<String, Object> state = deliveries.notificationState(caller.siteId(), id);
        if (state == null) {
            throw Problem.of(404, "notification-not-found", "This site has no notification with this id.").toException();
        }
        return state;
    }

    @POST
    @Path("notifications/{id}/retry")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Queue a notification's failed deliveries again")
    public Map<String, Object> retry(@PathParam("id") String id) {
        Caller caller = auth.require(headers, AccessKeyKind.Scope.SEND);
        int requeued = queue.retryFailed(caller.siteId(), id);
        if (requeued > 0) {
            notifications.poke();
        }
        return Map.of("notificationId", id, "requeued", requeued);
    }

    @GET
    @Path("deliveries")
    @Operation(summary = "The site's deliveries in a status (default: failed), newest first")
    public Map<String, Object> deliveries(@QueryParam("status") @DefaultValue("failed") String status, @QueryParam("limit") @DefaultValue("100") int limit) {
        Caller caller = auth.require(headers, AccessKeyKind.Scope.SEND);
        DeliveryStatus s;
        try {
            s = DeliveryStatus.valueOf(status.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw Problem.of(400, "invalid-parameter", "status: one of queued, claimed, delivered, failed, invalid_token, held").toException();
        }
        return Map.of("status", s.wire(), "deliveries", deliveries.bySiteAndStatus(caller.siteId(), s, Math.max(1, Math.min(limit, 1000))));
    }

    @GET
    @Path("invalidated-tokens")
    @Operation(summary = "Device tokens APNs or FCM rejected and the gateway deleted")
    public Map<String, Object> invalidated(@QueryParam("limit") @DefaultValue("100") int limit) {
        Caller caller = auth.require(headers, AccessKeyKind.Scope.SEND);
        return Map.of("tokens", deliveries.invalidatedTokens(caller.siteId(), Math.max(1, Math.min(limit, 1000))));
    }

    private static List<String> strings(JsonObject o, String name, int max) {
        if (!o.containsKey(name) || o.get(name).getValueType() != JsonValue.ValueType.ARRAY) {
            throw Problem.of(422, "validation-failed", name + ": must be an array of strings").toException();
        }
        JsonArray array = o.getJsonArray(name);
        if (array.size() > max) {
            throw Problem.of(422, "validation-failed", name + ": at most " + max + " entries").toException();
        }
        List<String> out = new ArrayList<>(array.size());
        for (JsonValue v : array) {
            if (v.getValueType() != JsonValue.ValueType.STRING) {
                throw Problem.of(422, "validation-failed", name + ": must be an array of strings").toException();
            }
            out.add(((JsonString) v).getString());
        }
        return out;
    }
}
