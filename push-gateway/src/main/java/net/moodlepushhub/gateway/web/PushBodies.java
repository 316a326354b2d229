package net.moodlepushhub.gateway.web;

import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonValue;
import net.moodlepushhub.common.problem.CommonProblem;
import jakarta.json.spi.JsonProvider;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.delivery.NotificationMessage;
import net.moodlepushhub.gateway.provider.Priority;

import java.io.StringReader;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Reads notification bodies (JSON whatever the Content-Type, as Moodle sends it) into messages. */
final class PushBodies {

    /** Longest alert or title accepted (the provider shortens to fit 4 KiB anyway). */
    static final int MAX_TEXT = 4096;

    /**
     * Made once: {@code Json.createReader} looks the JSON-P provider up again on every call, a service-loader
     * scan of the application's jars that was 21 % of the gateway's CPU while registering device tokens.
     */
    private static final JsonReaderFactory READERS = JsonProvider.provider().createReaderFactory(java.util.Map.of());

    private PushBodies() {
    }

    static JsonObject parse(String body) {
        if (body == null || body.isBlank()) {
            throw Problem.of(CommonProblem.MALFORMED_JSON, "The request body must be a JSON object.").toException();
        }
        try (JsonReader reader = READERS.createReader(new StringReader(body))) {
            return reader.readObject();
        } catch (JsonException | IllegalStateException e) {
            throw Problem.of(CommonProblem.MALFORMED_JSON, "The request body is not a valid JSON object.").toException();
        }
    }

    /**
     * Builds the message from this project's fields ({@code alert}, {@code title}, {@code extra}, ...) and
     * Moodle's: when {@code alert} is absent the text comes from {@code extra.smallmessage} (or
     * {@code subject}) and the title from {@code extra.sitefullname}, as AirNotifier did; an explicit
     * {@code "alert": null} means Moodle encrypted the content.
     */
    static NotificationMessage message(JsonObject o) {
        JsonObject extra = null;
        if (o.containsKey("extra") && o.get("extra").getValueType() != JsonValue.ValueType.NULL) {
            if (o.get("extra").getValueType() != JsonValue.ValueType.OBJECT) {
                throw Problem.of(CommonProblem.VALIDATION_FAILED, "extra: must be a JSON object").toException();
            }
            extra = o.getJsonObject("extra");
        }
        String alert;
        if (o.containsKey("alert")) {
            alert = text(o, "alert");
        } else if (extra != null) {
            alert = firstText(extra, "smallmessage", "subject", "fullmessage");
        } else {
            alert = null;
        }
        String title = o.containsKey("title") ? text(o, "title") : extra == null ? null : firstText(extra, "sitefullname");
        boolean encrypted = o.containsKey("alert") && o.get("alert").getValueType() == JsonValue.ValueType.NULL;
        if (encrypted) {
            title = o.containsKey("title") ? title : null;
        }
        if (alert == null && title == null && extra == null) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "alert: a notification needs an alert, a title or Moodle's extra").toException();
        }
        Integer badge = o.containsKey("badge") && o.get("badge").getValueType() == JsonValue.ValueType.NUMBER ? o.getInt("badge") : null;
        Priority priority = "normal".equalsIgnoreCase(o.getString("priority", "high")) ? Priority.NORMAL : Priority.HIGH;
        Instant expiration = null;
        if (o.containsKey("expiration") && o.get("expiration").getValueType() == JsonValue.ValueType.STRING) {
            try {
                expiration = Instant.parse(o.getString("expiration"));
            } catch (DateTimeParseException e) {
                throw Problem.of(CommonProblem.VALIDATION_FAILED, "expiration: must be an ISO-8601 instant").toException();
            }
        }
        String collapseId = o.containsKey("collapseId") ? text(o, "collapseId") : null;
        if (collapseId != null && collapseId.length() > 64) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "collapseId: at most 64 characters").toException();
        }
        return new NotificationMessage(alert, title, extra == null ? null : extra.toString(), badge,
                o.containsKey("sound") ? text(o, "sound") : "default", priority, expiration, collapseId);
    }

    private static String text(JsonObject o, String name) {
        JsonValue v = o.get(name);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, name + ": must be a string").toException();
        }
        String s = o.getString(name);
        if (s.length() > MAX_TEXT) {
            throw Problem.of(CommonProblem.PAYLOAD_TOO_LARGE, name + ": at most " + MAX_TEXT + " characters").toException();
        }
        return s;
    }

    private static String firstText(JsonObject o, String... names) {
        for (String n : names) {
            JsonValue v = o.get(n);
            if (v != null && v.getValueType() == JsonValue.ValueType.STRING && !o.getString(n).isBlank()) {
                String s = o.getString(n);
                return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT) : s;
            }
        }
        return null;
    }
}
