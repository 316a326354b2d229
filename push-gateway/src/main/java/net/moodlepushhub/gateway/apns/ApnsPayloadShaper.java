package net.moodlepushhub.gateway.apns;

import com.eatthepath.pushy.apns.util.ApnsPayloadBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPayloadBuilder;
import net.moodlepushhub.gateway.provider.MoodleExtra;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.TextFitting;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the APNs JSON payload for a {@link PushMessage} and makes it fit APNs' size limit.
 *
 * <p>Layout: {@code aps.alert} = {@code {title, body}} (omitted when both are null), {@code aps.sound},
 * {@code aps.badge}, {@code aps.mutable-content = 1} when the message is encrypted (alert null) so the Moodle app's
 * notification service extension can decrypt it, {@code aps.content-available = 1} for background pushes; Moodle's
 * {@code extra} members are merged at the top level of the payload (where the app's push plugin reads its
 * {@code additionalData}), or nested under one key when configured. A member named {@code aps} in {@code extra} is
 * ignored.</p>
 *
 * <p>Fitting: when the payload exceeds the limit, the alert body is shortened on a code-point boundary with an
 * ellipsis; when even an empty body is too much, the title is shortened too; {@code extra} is never changed. When
 * nothing fits, {@link #shape} returns empty.</p>
 */
public final class ApnsPayloadShaper {

    /** APNs' limit for a regular (non-VoIP) notification payload. */
    public static final int MAX_PAYLOAD_BYTES = 4096;

    private final String extraKey;
    private final int maxBytes;
    private final String encryptedAlertPlaceholder;

    /**
     * @param extraKey                  null to merge {@code extra} at the payload's top level, else the key to nest
     *                                  it under
     * @param maxBytes                  the payload size limit in UTF-8 bytes
     * @param encryptedAlertPlaceholder body used for encrypted messages that carry neither alert nor title, so that
     *                                  they are sent as visible alert pushes the extension can rewrite; null to send
     *                                  those as background pushes
     */
    public ApnsPayloadShaper(String extraKey, int maxBytes, String encryptedAlertPlaceholder) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        this.extraKey = extraKey;
        this.maxBytes = maxBytes;
        this.encryptedAlertPlaceholder = encryptedAlertPlaceholder;
    }

    /** A shaper with the defaults: merged extra, 4096 bytes, no placeholder. */
    public ApnsPayloadShaper() {
        this(null, MAX_PAYLOAD_BYTES, null);
    }

    /**
     * The shaped payload.
     *
     * @param json       the payload JSON
     * @param background true for a background push (no alert, no title): send with push type background, priority 5
     * @param shortened  true when the alert text was shortened to fit
     */
    public record Shaped(String json, boolean background, boolean shortened) {
        /** @return the payload size in UTF-8 bytes */
        public int sizeInBytes() {
            return json.getBytes(StandardCharsets.UTF_8).length;
        }
    }

    /**
     * @param message the message
     * @return the payload, or empty when it cannot fit the limit even with an empty alert
     * @throws IllegalArgumentException when {@code jsonExtra} is not a JSON object
     */
    public Optional<Shaped> shape(PushMessage message) {
        Map<String, Object> extra = MoodleExtra.parse(message.jsonExtra());
        String body = message.alert();
        String title = message.title();
        if (body == null && title == null && encryptedAlertPlaceholder != null) {
            body = encryptedAlertPlaceholder;
        }
        boolean background = body == null && title == null;

        String full = build(message, extra, title, body, background);
        if (utf8Length(full) <= maxBytes) {
            return Optional.of(new Shaped(full, background, false));
        }
        if (background) {
            return Optional.empty(); // nothing to shorten
        }
        final String fixedTitle = title;
        String fittedBody = TextFitting.fit(body, maxBytes,
                candidate -> utf8Length(build(message, extra, fixedTitle, emptyToNull(candidate), false)));
        if (fittedBody != null) {
            return Optional.of(new Shaped(build(message, extra, title, emptyToNull(fittedBody), false), false, true));
        }
        if (title == null) {
            return Optional.empty();
        }
        String fittedTitle = TextFitting.fit(title, maxBytes,
                candidate -> utf8Length(build(message, extra, emptyToNull(candidate), null, false)));
        if (fittedTitle == null || fittedTitle.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Shaped(build(message, extra, fittedTitle, null, false), false, true));
    }

    private String build(PushMessage m, Map<String, Object> extra, String title, String body, boolean background) {
        ApnsPayloadBuilder b = new SimpleApnsPayloadBuilder();
        b.setPreferStringRepresentationForAlerts(false);
        if (title != null) {
            b.setAlertTitle(title);
        }
        if (body != null) {
            b.setAlertBody(body);
        }
        if (m.sound() != null && !background) {
            b.setSound(m.sound());
        }
        if (m.badge() != null) {
            b.setBadgeNumber(m.badge());
        }
        if (m.encrypted()) {
            b.setMutableContent(true);
        }
        if (background) {
            b.setContentAvailable(true);
        }
        if (extraKey != null) {
            if (!extra.isEmpty()) {
                b.addCustomProperty(extraKey, extra);
            }
        } else {
            for (Map.Entry<String, Object> e : extra.entrySet()) {
                if (!"aps".equals(e.getKey())) {
                    b.addCustomProperty(e.getKey(), e.getValue());
                }
            }
        }
        return b.build();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
