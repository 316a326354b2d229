package net.moodlepushhub.hub.stats;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.ProblemException;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One delivery report from a gateway, as {@code POST /api/v1/internal/delivery-stats} receives it:
 * <pre>{@code
 * {"hours":   [{"siteId", "hour": "2026-11-30T14:00:00Z", "delivered", "failed", "invalidToken"}],
 *  "devices": [{"siteId", "platform": "ios", "devices"}],
 *  "queue":   {"queued", "claimed", "oldestDue": "2026-11-30T14:03:12Z" | null}}
 * }</pre>
 * Every member is optional; each list holds at most {@link #MAX_ENTRIES} entries (a gateway sends a large
 * report in several parts). Counts are absolute (the hour's whole count so far), so a report sent twice, or by
 * two gateways reading the same database, changes nothing.
 *
 * @param hours   deliveries per site and hour by outcome
 * @param devices confirmed devices per site and platform; a count of 0 removes the entry
 * @param queue   the delivery queue now, or null
 */
public record DeliveryReport(List<SiteHour> hours, List<SiteDevices> devices, Queue queue) {

    /** Most entries per list in one report. */
    public static final int MAX_ENTRIES = 1000;

    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9][a-z0-9-]{0,15}");

    /**
     * One site's deliveries in one hour.
     *
     * @param siteId       the site
     * @param hour         the hour's start (a whole hour, UTC)
     * @param delivered    accepted by the push service
     * @param failed       given up after retries or refused for good
     * @param invalidToken the push service said the token is dead
     */
    public record SiteHour(String siteId, Instant hour, long delivered, long failed, long invalidToken) {
    }

    /**
     * One site's confirmed devices of one platform.
     *
     * @param siteId   the site
     * @param platform the Moodle app's platform name, lower case
     * @param devices  how many
     */
    public record SiteDevices(String siteId, String platform, long devices) {
    }

    /**
     * The gateways' delivery queue.
     *
     * @param queued    recipients waiting to be sent (or retried)
     * @param claimed   recipients an instance is sending
     * @param oldestDue the earliest time a waiting recipient is due, or null when none waits
     */
    public record Queue(long queued, long claimed, Instant oldestDue) {
    }

    /**
     * Reads and checks a report.
     *
     * @param body the request body
     * @param now  the current time (an hour may not lie more than one hour ahead of it)
     * @return the report
     * @throws ProblemException {@code 422 validation-failed} naming the member at fault
     */
    public static DeliveryReport parse(JsonObject body, Instant now) {
        if (body == null) {
            throw invalid("the body must be a JSON object");
        }
        List<SiteHour> hours = new ArrayList<>();
        for (JsonObject o : objects(body, "hours")) {
            Instant hour = instant(o, "hours", "hour");
            if (hour == null || !hour.truncatedTo(ChronoUnit.HOURS).equals(hour) || hour.isAfter(now.plus(Duration.ofHours(1)))) {
                throw invalid("hours: hour must be the start of a whole hour (UTC), not in the future");
            }
            hours.add(new SiteHour(siteId(o, "hours"), hour, count(o, "hours", "delivered"), count(o, "hours", "failed"),
                    count(o, "hours", "invalidToken")));
        }
        List<SiteDevices> devices = new ArrayList<>();
        for (JsonObject o : objects(body, "devices")) {
            String platform = o.get("platform") instanceof jakarta.json.JsonString s ? s.getString() : "";
            if (!PLATFORM.matcher(platform).matches()) {
                throw invalid("devices: platform must be 1 to 16 characters of a-z, 0-9 and -");
            }
            devices.add(new SiteDevices(siteId(o, "devices"), platform, count(o, "devices", "devices")));
        }
        Queue queue = null;
        JsonValue q = body.get("queue");
        if (q != null && q.getValueType() != JsonValue.ValueType.NULL) {
            if (q.getValueType() != JsonValue.ValueType.OBJECT) {
                throw invalid("queue: must be an object");
            }
            JsonObject o = q.asJsonObject();
            queue = new Queue(count(o, "queue", "queued"), count(o, "queue", "claimed"), instant(o, "queue", "oldestDue"));
        }
        return new DeliveryReport(List.copyOf(hours), List.copyOf(devices), queue);
    }

    private static List<JsonObject> objects(JsonObject body, String name) {
        JsonValue v = body.get(name);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return List.of();
        }
        if (!(v instanceof JsonArray a) || a.size() > MAX_ENTRIES) {
            throw invalid(name + ": an array of at most " + MAX_ENTRIES + " entries");
        }
        List<JsonObject> out = new ArrayList<>(a.size());
        for (JsonValue e : a) {
            if (e.getValueType() != JsonValue.ValueType.OBJECT) {
                throw invalid(name + ": entries must be objects");
            }
            out.add(e.asJsonObject());
        }
        return out;
    }

    private static String siteId(JsonObject o, String list) {
        String id = o.get("siteId") instanceof jakarta.json.JsonString s ? s.getString() : "";
        if (id.isEmpty() || id.length() > 36) {
            throw invalid(list + ": siteId is required (at most 36 characters)");
        }
        return id;
    }

    private static long count(JsonObject o, String list, String name) {
        if (!(o.get(name) instanceof JsonNumber n) || !n.isIntegral() || n.longValue() < 0) {
            throw invalid(list + ": " + name + " must be a whole number, 0 or more");
        }
        return n.longValue();
    }

    private static Instant instant(JsonObject o, String list, String name) {
        JsonValue v = o.get(name);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (!(v instanceof jakarta.json.JsonString s)) {
            throw invalid(list + ": " + name + " must be an ISO-8601 instant");
        }
        try {
            return Instant.parse(s.getString());
        } catch (DateTimeParseException e) {
            throw invalid(list + ": " + name + " must be an ISO-8601 instant such as 2026-11-30T14:00:00Z");
        }
    }

    private static ProblemException invalid(String detail) {
        return Problem.of(CommonProblem.VALIDATION_FAILED, detail).toException();
    }
}
