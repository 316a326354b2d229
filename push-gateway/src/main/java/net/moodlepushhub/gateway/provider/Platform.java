package net.moodlepushhub.gateway.provider;

import java.util.Locale;

/**
 * The push service a device token belongs to.
 *
 * <p>Moodle's app reports its platform as {@code Android-fcm}, {@code iOS-fcm} (current app) or {@code android},
 * {@code ios} (older apps). Only the plain {@code ios} platform carries a raw APNs device token; an
 * {@code iOS-fcm} token is an FCM registration token and is sent through FCM (which relays to APNs).</p>
 */
public enum Platform {
    /** Apple Push Notification service, HTTP/2 provider API. */
    APNS,
    /** Firebase Cloud Messaging, HTTP v1 API. */
    FCM;

    /**
     * Maps the {@code device} string Moodle sends (case-insensitive, surrounding blanks ignored) to a platform.
     *
     * @param device Moodle's platform name, e.g. {@code ios}, {@code iOS-fcm}, {@code Android-fcm}, {@code android}
     * @return {@link #APNS} for {@code ios}, {@link #FCM} for {@code android} and any {@code *-fcm} platform
     * @throws IllegalArgumentException when the platform is null, blank or unknown
     */
    public static Platform forMoodleDevice(String device) {
        if (device == null) {
            throw new IllegalArgumentException("Missing device platform");
        }
        String d = device.trim().toLowerCase(Locale.ROOT);
        switch (d) {
            case "ios":
                return APNS;
            case "android":
            case "android-fcm":
            case "ios-fcm":
            case "fcm":
                return FCM;
            default:
                throw new IllegalArgumentException("Unknown device platform: " + device);
        }
    }
}
