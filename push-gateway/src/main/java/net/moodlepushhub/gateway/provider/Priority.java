package net.moodlepushhub.gateway.provider;

/**
 * Delivery priority of a push message. Mapped to {@code apns-priority} 10/5 for APNs and to the Android
 * message priority {@code HIGH}/{@code NORMAL} for FCM.
 */
public enum Priority {
    /** Deliver immediately (APNs priority 10, FCM {@code HIGH}). */
    HIGH,
    /** Deliver when convenient for the device's power (APNs priority 5, FCM {@code NORMAL}). */
    NORMAL
}
