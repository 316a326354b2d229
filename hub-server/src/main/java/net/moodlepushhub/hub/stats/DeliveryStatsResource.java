package net.moodlepushhub.hub.stats;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.keys.FeedAuthorization;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.StringReader;
import java.time.Instant;

/**
 * For the gateway only (its feed token, like {@code /api/v1/internal/usage}): deliveries per site and hour by
 * outcome, devices per site and platform, and the delivery queue. The shape is {@link DeliveryReport}'s.
 */
@ApplicationScoped
@Path("/api/v1/internal/delivery-stats")
@Tag(name = "internal")
public class DeliveryStatsResource {

    @Inject
    DeliveryStats stats;

    @Inject
    FeedAuthorization feedAuthorization;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Deliveries, devices and queue as the gateway counted them (gateway only)")
    public Response report(String body, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        feedAuthorization.check(authorization);
        Instant now = Instant.now();
        stats.record(DeliveryReport.parse(object(body), now), now);
        return Response.noContent().build();
    }

    /** Read here rather than by the JSON-P provider, so anything but a JSON object is a 400 problem, never a 500. */
    private static JsonObject object(String body) {
        JsonValue value;
        try (JsonReader reader = Json.createReader(new StringReader(body == null ? "" : body))) {
            value = reader.readValue();
        } catch (JsonException e) {
            throw Problem.of(CommonProblem.MALFORMED_JSON, "The body is not valid JSON.").toException();
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw Problem.of(CommonProblem.MALFORMED_JSON, "The body must be a JSON object.").toException();
        }
        return value.asJsonObject();
    }
}
