package net.moodlepushhub.gateway.delivery;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.Priority;
import net.moodlepushhub.gateway.provider.PushMessage;

import java.text.ParseException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

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
        Map<String, Object> o = new LinkedHashMap<>();
        putIfSet(o, "alert", alert);
        putIfSet(o, "title", title);
        putIfSet(o, "extra", extraJson);
        putIfSet(o, "badge", badge);
        putIfSet(o, "sound", sound);
        o.put("priority", priority == null ? Priority.HIGH.name() : priority.name());
        putIfSet(o, "expiration", expiration == null ? null : expiration.toString());
        putIfSet(o, "collapseId", collapseId);
        return JSONObjectUtils.toJSONString(o);
    }

    /**
     * @param json the stored form
     * @return the message
     */
    public static NotificationMessage fromJson(String json) {
        try {
            Map<String, Object> o = JSONObjectUtils.parse(json);
            Object badge = o.get("badge");
            Object priority = o.get("priority");
            Object expiration = o.get("expiration");
            return new NotificationMessage(string(o, "alert"), string(o, "title"), string(o, "extra"),
                    badge instanceof Number n ? n.intValue() : null, string(o, "sound"),
                    priority instanceof String p ? Priority.valueOf(p) : Priority.HIGH,
                    expiration instanceof String e ? Instant.parse(e) : null,
                    string(o, "collapseId"));
        } catch (ParseException e) {
            throw new IllegalStateException("stored notification is not JSON", e);
        }
    }

    private static void putIfSet(Map<String, Object> o, String name, Object value) {
        if (value != null) {
            o.put(name, value);
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

    private static String string(Map<String, Object> o, String name) {
        return o.get(name) instanceof String v ? v : null;
    }
}
