package net.moodlepushhub.gateway.delivery;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.Priority;
import net.moodlepushhub.gateway.provider.PushMessage;

import java.io.StringReader;
import java.time.Instant;

/**
 * What a site asked to send, independent of recipients; stored once per notification as JSON.
 *
 * @param alert      the body, null when Moodle encrypted the content
 * @param title      the title, may be null
 * @param extraJson  Moodle's {@code extra} object, raw JSON, passed through untouched
 * @param badge      may be null
 * @param sound      may be null
 * @param priority   high or normal
 * @param expiration when providers may drop it, may be null
 * @param collapseId may be null
 */
public record NotificationMessage(String alert, String title, String extraJson, Integer badge, String sound,
                                  Priority priority, Instant expiration, String collapseId) {

    /** @return the stored form */
    public String toJson() {
        JsonObjectBuilder b = Json.createObjectBuilder();
        if (alert != null) {
            b.add("alert", alert);
        }
        if (title != null) {
            b.add("title", title);
        }
        if (extraJson != null) {
            b.add("extra", extraJson);
        }
        if (badge != null) {
            b.add("badge", badge);
        }
        if (sound != null) {
            b.add("sound", sound);
        }
        b.add("priority", priority == null ? Priority.HIGH.name() : priority.name());
        if (expiration != null) {
            b.add("expiration", expiration.toString());
        }
        if (collapseId != null) {
            b.add("collapseId", collapseId);
        }
        return b.build().toString();
    }

    /**
     * @param json the stored form
     * @return the message
     */
    public static NotificationMessage fromJson(String json) {
        try (JsonReader reader = Json.createReader(new StringReader(json))) {
            JsonObject o = reader.readObject();
            return new NotificationMessage(string(o, "alert"), string(o, "title"), string(o, "extra"),
                    o.containsKey("badge") ? o.getInt("badge") : null, string(o, "sound"),
                    Priority.valueOf(o.getString("priority", Priority.HIGH.name())),
                    o.containsKey("expiration") ? Instant.parse(o.getString("expiration")) : null,
                    string(o, "collapseId"));
        }
    }

    /**
     * @param idempotencyKey the recipient's idempotency key
     * @param token          the device token
     * @param platform       its platform
     * @return what the provider sends
     */
    public PushMessage toPush(String idempotencyKey, String token, Platform platform) {
        return new PushMessage(idempotencyKey, token, platform, alert, title, extraJson, badge, sound, expiration, priority, collapseId);
    }

    private static String string(JsonObject o, String name) {
        JsonValue v = o.get(name);
        return v == null || v.getValueType() == JsonValue.ValueType.NULL ? null : o.getString(name);
    }
}
