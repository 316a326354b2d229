package net.moodlepushhub.gateway.provider;

import java.time.Instant;
import java.util.Objects;

/**
 * One notification for one device token, independent of the push service.
 *
 * @param idempotencyKey stable per recipient (e.g. {@code notificationId:recipientIndex}); the APNs provider derives
 *                       the {@code apns-id} from it (name-based UUID), so a retried send carries the same id
 * @param token          the device token (APNs hex token or FCM registration token)
 * @param platform       the push service the token belongs to
 * @param alert          the notification body; {@code null} when Moodle encrypted the notification (the app's
 *                       notification extension then decrypts the fields of {@code jsonExtra})
 * @param title          the notification title, may be {@code null}
 * @param jsonExtra      Moodle's {@code extra} object as raw JSON (an object), passed on without changing any value;
 *                       may be {@code null} (treated as {@code {}})
 * @param badge          the badge number, may be {@code null}
 * @param sound          the sound name (e.g. {@code default}), may be {@code null}
 * @param expiration     when the push service may drop the message if still undelivered; {@code null} for the
 *                       service's default
 * @param priority       the delivery priority; {@code null} is treated as {@link Priority#HIGH}
 * @param collapseId     collapse identifier (APNs {@code apns-collapse-id}, FCM {@code collapse_key}), may be
 *                       {@code null}
 */
public record PushMessage(String idempotencyKey, String token, Platform platform, String alert, String title,
                          String jsonExtra, Integer badge, String sound, Instant expiration, Priority priority,
                          String collapseId) {

    /** Validates the mandatory fields and applies defaults ({@code priority} HIGH). */
    public PushMessage {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(platform, "platform");
        if (priority == null) {
            priority = Priority.HIGH;
        }
    }

    /** @return true when Moodle sent no alert text, i.e. the notification content is end-to-end encrypted */
    public boolean encrypted() {
        return alert == null;
    }

    /**
     * @return a builder for the optional fields
     * @param idempotencyKey see {@link #idempotencyKey()}
     * @param token see {@link #token()}
     * @param platform see {@link #platform()}
     */
    public static Builder builder(String idempotencyKey, String token, Platform platform) {
        return new Builder(idempotencyKey, token, platform);
    }

    /** Fluent builder for {@link PushMessage}; convenient in tests and benchmarks. */
    public static final class Builder {
        private final String idempotencyKey;
        private final String token;
        private final Platform platform;
        private String alert;
        private String title;
        private String jsonExtra;
        private Integer badge;
        private String sound;
        private Instant expiration;
        private Priority priority = Priority.HIGH;
        private String collapseId;

        private Builder(String idempotencyKey, String token, Platform platform) {
            this.idempotencyKey = idempotencyKey;
            this.token = token;
            this.platform = platform;
        }

        /** @param v alert body, null when encrypted @return this */
        public Builder alert(String v) { this.alert = v; return this; }
        /** @param v title @return this */
        public Builder title(String v) { this.title = v; return this; }
        /** @param v Moodle's extra object as raw JSON @return this */
        public Builder jsonExtra(String v) { this.jsonExtra = v; return this; }
        /** @param v badge @return this */
        public Builder badge(Integer v) { this.badge = v; return this; }
        /** @param v sound name @return this */
        public Builder sound(String v) { this.sound = v; return this; }
        /** @param v expiration instant @return this */
        public Builder expiration(Instant v) { this.expiration = v; return this; }
        /** @param v priority @return this */
        public Builder priority(Priority v) { this.priority = v; return this; }
        /** @param v collapse id @return this */
        public Builder collapseId(String v) { this.collapseId = v; return this; }

        /** @return the message */
        public PushMessage build() {
            return new PushMessage(idempotencyKey, token, platform, alert, title, jsonExtra, badge, sound,
                    expiration, priority, collapseId);
        }
    }
}
