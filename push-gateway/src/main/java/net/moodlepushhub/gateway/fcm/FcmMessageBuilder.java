package net.moodlepushhub.gateway.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.gateway.provider.MoodleExtra;
import net.moodlepushhub.gateway.provider.Priority;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.TextFitting;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the FCM HTTP v1 request body for a {@link PushMessage}:
 * <pre>
 * {"message":{"token":..., "notification":{"title","body"},   (only when alert is not null)
 *   "data":{Moodle's extra, top-level members flattened to strings as AirNotifier does},
 *   "android":{"priority":"HIGH"|"NORMAL","ttl":"&lt;s&gt;s","collapse_key":...,"notification":{"sound"}},
 *   "apns":{"headers":{"apns-priority","apns-expiration","apns-collapse-id"},
 *           "payload":{"aps":{"mutable-content":1 when encrypted,"sound","badge"}}}}}
 * </pre>
 * FCM limits the notification plus data to 4096 bytes; the body (then the title) is shortened on a code-point
 * boundary with an ellipsis to fit, {@code data} is never altered. When nothing fits, {@link #build} is empty.
 */
public final class FcmMessageBuilder {

    /** FCM's limit for notification + data. */
    public static final int MAX_PAYLOAD_BYTES = 4096;

    private final Clock clock;
    private final int maxBytes;

    /**
     * @param clock    time source for the relative Android TTL
     * @param maxBytes the size limit for notification + data (UTF-8 bytes of their JSON)
     */
    public FcmMessageBuilder(Clock clock, int maxBytes) {
        this.clock = Objects.requireNonNull(clock);
        this.maxBytes = maxBytes;
    }

    /** A builder with the system clock and the 4096-byte limit. */
    public FcmMessageBuilder() {
        this(Clock.systemUTC(), MAX_PAYLOAD_BYTES);
    }

    /**
     * @param m the message
     * @return the JSON request body, or empty when the message cannot fit FCM's size limit
     * @throws IllegalArgumentException when {@code jsonExtra} is not a JSON object
     */
    public Optional<String> build(PushMessage m) {
        Map<String, String> data = MoodleExtra.flattenToStrings(MoodleExtra.parse(m.jsonExtra()));
        String title = m.alert() != null ? m.title() : null;
        String body = m.alert();
        if (body != null && sizeOf(title, body, data) > maxBytes) {
            final String t = title;
            String fitted = TextFitting.fit(body, maxBytes, c -> sizeOf(t, c, data));
            if (fitted != null) {
                body = fitted;
            } else if (title != null) {
                String fittedTitle = TextFitting.fit(title, maxBytes, c -> sizeOf(c, "", data));
                if (fittedTitle == null) {
                    return Optional.empty();
                }
                title = fittedTitle;
                body = "";
            } else {
                return Optional.empty();
            }
        } else if (body == null && sizeOf(null, null, data) > maxBytes) {
            return Optional.empty();
        }
        return Optional.of(JSONObjectUtils.toJSONString(Map.of("message", message(m, title, body, data))));
    }

    private Map<String, Object> message(PushMessage m, String title, String body, Map<String, String> data) {
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("token", m.token());
        Map<String, Object> notification = notification(title, body);
        if (notification != null) {
            msg.put("notification", notification);
        }
        if (!data.isEmpty()) {
            msg.put("data", data);
        }

        Map<String, Object> android = new LinkedHashMap<>();
        android.put("priority", m.priority() == Priority.NORMAL ? "NORMAL" : "HIGH");
        if (m.expiration() != null) {
            long ttl = Math.max(0, Duration.between(clock.instant(), m.expiration()).getSeconds());
            android.put("ttl", ttl + "s");
        }
        if (m.collapseId() != null) {
            android.put("collapse_key", m.collapseId());
        }
        if (notification != null && m.sound() != null) {
            android.put("notification", Map.of("sound", m.sound()));
        }
        msg.put("android", android);

        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("apns-priority", m.priority() == Priority.NORMAL || notification == null ? "5" : "10");
        if (m.expiration() != null) {
            headers.put("apns-expiration", Long.toString(Math.max(0, m.expiration().getEpochSecond())));
        }
        if (m.collapseId() != null) {
            headers.put("apns-collapse-id", m.collapseId());
        }
        Map<String, Object> aps = new LinkedHashMap<>();
        if (m.encrypted()) {
            aps.put("mutable-content", 1);
        }
        if (notification != null && m.sound() != null) {
            aps.put("sound", m.sound());
        }
        if (m.badge() != null) {
            aps.put("badge", m.badge());
        }
        Map<String, Object> apns = new LinkedHashMap<>();
        apns.put("headers", headers);
        if (!aps.isEmpty()) {
            apns.put("payload", Map.of("aps", aps));
        }
        msg.put("apns", apns);
        return msg;
    }

    private static Map<String, Object> notification(String title, String body) {
        if (body == null) {
            return null;
        }
        Map<String, Object> n = new LinkedHashMap<>();
        if (title != null) {
            n.put("title", title);
        }
        n.put("body", body);
        return n;
    }

    private static int sizeOf(String title, String body, Map<String, String> data) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> n = notification(title, body);
        if (n != null) {
            m.put("notification", n);
        }
        if (!data.isEmpty()) {
            m.put("data", data);
        }
        return JSONObjectUtils.toJSONString(m).getBytes(StandardCharsets.UTF_8).length;
    }
}
