package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.ApplicationScoped;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.GatewayProblem;
import net.moodlepushhub.gateway.delivery.DeliveryStatus;
import net.moodlepushhub.gateway.delivery.DeliveryQueue;
import net.moodlepushhub.gateway.delivery.DeliveryReadModel;
import net.moodlepushhub.gateway.delivery.NotificationService;
import net.moodlepushhub.gateway.keys.Caller;
import net.moodlepushhub.gateway.tokens.DeviceTokens;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The gateway's own JSON API beside the AirNotifier one: device tokens, channels, sends to up to 1,000
 * recipients with a result per recipient, broadcasts, delivery status, failures and retries.
 */
@ApplicationScoped
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "gateway")
public class GatewayApiResource {

    static final Pattern CHANNEL = Pattern.compile("^[A-Za-z0-9_.:-]{1,64}$");

    /**
     * A registered device token.
     *
     * @param token     the token
     * @param confirmed true when a site key registered it
     * @param status    {@code created} or {@code exists}
     */
    public record TokenRegistered(String token, boolean confirmed, String status) {
    }

    /**
     * A token's channel subscriptions.
     *
     * @param token    the token
     * @param channels the channels it was subscribed to
     */
    public record Subscribed(String token, List<String> channels) {
    }

    /**
     * A queued notification.
     *
     * @param notificationId the notification's id
     * @param queued         how many recipients were queued
     * @param recipients     each recipient's token and status (queued, not_registered, duplicate)
     */
    public record Sent(String notificationId, int queued, List<NotificationService.RecipientResult> recipients) {
    }

    /**
     * A queued broadcast.
     *
     * @param notificationId the notification's id
     * @param recipients     how many devices it was queued for
     */
    public record Broadcast(String notificationId, int recipients) {
    }

    /**
     * A retry of a notification's failed deliveries.
     *
     * @param notificationId the notification's id
     * @param requeued       how many deliveries were queued again
     */
    public record Retried(String notificationId, int requeued) {
    }

    /**
     * The site's deliveries in one status.
     *
     * @param status     the status asked for
     * @param deliveries newest first
     */
    public record Deliveries(String status, List<DeliveryReadModel.RecipientState> deliveries) {
    }

    /**
     * Tokens APNs or FCM rejected.
     *
     * @param tokens newest first
     */
    public record InvalidatedTokens(List<DeliveryReadModel.InvalidatedToken> tokens) {
    }

    @Inject
    CurrentCaller caller;

    @Inject
    DeviceTokens tokens;

    @Inject
    NotificationService notifications;

    @Inject
    DeliveryReadModel deliveries;

    @Inject
    DeliveryQueue queue;

    @POST
    @Path("tokens")
    @Operation(summary = "Register a device token", description = "With a device key the token is unconfirmed (purged after a minute unless the site confirms it); with a site key it is confirmed for that site.")
    @RequiresScope({AccessKeyKind.Scope.CONFIRM_TOKEN, AccessKeyKind.Scope.CREATE_TOKEN})
    public Response registerToken(String body) {
        JsonObject o = PushBodies.parse(body);
        Caller caller = this.caller.get();
        String token = o.getString("token", null);
        String device = o.getString("device", null);
        boolean confirm = caller.kind() == AccessKeyKind.SITE;
        DeviceTokens.Result result = tokens.register(caller.siteId(), token, device, confirm);
        TokenRegistered answer = new TokenRegistered(token, confirm, result == DeviceTokens.Result.CREATED ? "created" : "exists");
        return Response.status(result == DeviceTokens.Result.CREATED ? 201 : 200).entity(answer).build();
    }

    @DELETE
    @Path("tokens/{token}")
    @Operation(summary = "Remove the site's binding of a device token")
    @RequiresScope(AccessKeyKind.Scope.CONFIRM_TOKEN)
    public Response deleteToken(@PathParam("token") String token) {
        tokens.delete(caller.get().siteId(), token);
        return Response.noContent().build();
    }

    @POST
    @Path("tokens/{token}/channels")
    @Operation(summary = "Subscribe a confirmed device token to channels")
    @RequiresScope(AccessKeyKind.Scope.CONFIRM_TOKEN)
    public Subscribed subscribe(@PathParam("token") String token, String body) {
        List<String> channels = strings(PushBodies.parse(body), "channels", 50);
        for (String c : channels) {
            if (!CHANNEL.matcher(c).matches()) {
                throw Problem.of(CommonProblem.VALIDATION_FAILED, "channels: names are 1-64 characters of A-Z a-z 0-9 _ . : -").toException();
            }
        }
        tokens.subscribe(caller.get().siteId(), token, channels);
        return new Subscribed(token, channels);
    }

    @POST
    @Path("notifications")
    @Operation(summary = "Send one notification to up to 1,000 recipients", description = "202 with a result per recipient: queued, not_registered or duplicate.")
    @RequiresScope(AccessKeyKind.Scope.SEND)
    public Response send(String body) {
        JsonObject o = PushBodies.parse(body);
        List<String> recipients = strings(o, "tokens", Integer.MAX_VALUE);
        NotificationService.Accepted accepted = notifications.send(caller.get(), PushBodies.message(o), recipients);
        return Response.accepted(new Sent(accepted.notificationId(), accepted.queued(), accepted.recipients())).build();
    }

    @POST
    @Path("broadcasts")
    @Operation(summary = "Send to every device of a channel", description = "Without a channel: the site's default channel, the md5 of its URL, which every confirmed device is in.")
    @RequiresScope(AccessKeyKind.Scope.BROADCAST)
    public Response broadcast(String body) {
        JsonObject o = PushBodies.parse(body);
        String channel = o.getString("channel", null);
        if (channel != null && !CHANNEL.matcher(channel).matches()) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "channel: 1-64 characters of A-Z a-z 0-9 _ . : -").toException();
        }
        NotificationService.Accepted accepted = notifications.broadcast(caller.get(), channel, PushBodies.message(o));
        return Response.accepted(new Broadcast(accepted.notificationId(), accepted.queued())).build();
    }

    @GET
    @Path("notifications/{id}")
    @Operation(summary = "A notification's per-recipient delivery status")
    @RequiresScope(AccessKeyKind.Scope.SEND)
    public DeliveryReadModel.NotificationState status(@PathParam("id") String id) {
        DeliveryReadModel.NotificationState state = deliveries.notificationState(caller.get().siteId(), id);
        if (state == null) {
            throw Problem.of(GatewayProblem.NOTIFICATION_NOT_FOUND, "This site has no notification with this id.").toException();
        }
        return state;
    }

    @POST
    @Path("notifications/{id}/retry")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Queue a notification's failed deliveries again")
    @RequiresScope(AccessKeyKind.Scope.SEND)
    public Retried retry(@PathParam("id") String id) {
        int requeued = queue.retryFailed(caller.get().siteId(), id);
        if (requeued > 0) {
            notifications.poke();
        }
        return new Retried(id, requeued);
    }

    @GET
    @Path("deliveries")
    @Operation(summary = "The site's deliveries in a status (default: failed), newest first")
    @RequiresScope(AccessKeyKind.Scope.SEND)
    public Deliveries deliveries(@QueryParam("status") @DefaultValue("failed") String status, @QueryParam("limit") @DefaultValue("100") int limit) {
        DeliveryStatus s;
        try {
            s = DeliveryStatus.valueOf(status.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw Problem.of(GatewayProblem.INVALID_PARAMETER, "status: one of queued, claimed, delivered, failed, invalid_token, held").toException();
        }
        return new Deliveries(s.wire(), deliveries.bySiteAndStatus(caller.get().siteId(), s, Math.max(1, Math.min(limit, 1000))));
    }

    @GET
    @Path("invalidated-tokens")
    @Operation(summary = "Device tokens APNs or FCM rejected and the gateway deleted")
    @RequiresScope(AccessKeyKind.Scope.SEND)
    public InvalidatedTokens invalidated(@QueryParam("limit") @DefaultValue("100") int limit) {
        return new InvalidatedTokens(deliveries.invalidatedTokens(caller.get().siteId(), Math.max(1, Math.min(limit, 1000))));
    }

    private static List<String> strings(JsonObject o, String name, int max) {
        if (!o.containsKey(name) || o.get(name).getValueType() != JsonValue.ValueType.ARRAY) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, name + ": must be an array of strings").toException();
        }
        JsonArray array = o.getJsonArray(name);
        if (array.size() > max) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, name + ": at most " + max + " entries").toException();
        }
        List<String> out = new ArrayList<>(array.size());
        for (JsonValue v : array) {
            if (v.getValueType() != JsonValue.ValueType.STRING) {
                throw Problem.of(CommonProblem.VALIDATION_FAILED, name + ": must be an array of strings").toException();
            }
            out.add(((JsonString) v).getString());
        }
        return out;
    }
}
