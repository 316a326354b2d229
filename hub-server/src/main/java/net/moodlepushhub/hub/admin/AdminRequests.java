package net.moodlepushhub.hub.admin;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/** The bodies admin API calls accept. */
public final class AdminRequests {

    private AdminRequests() {
    }

    /** A decision that must say why (revoke, lift revocation, revoke a key, resolve a report). */
    public static class Reason {
        /** Why; recorded in the audit log. */
        @NotBlank
        @Size(max = 512)
        public String reason;
    }

    /** A decision that may say why (reinstate). */
    public static class OptionalReason {
        /** Why; recorded in the audit log. */
        @Size(max = 512)
        public String reason;
    }

    /** A suspension. */
    public static class Suspension {
        /** Why; recorded in the audit log and shown to the site admin. */
        @NotBlank
        @Size(max = 512)
        public String reason;
        /** Optional ISO-8601 instant at which the site is reinstated by itself. */
        @Size(max = 40)
        public String until;
    }

    /** Quota overrides; a missing or null limit means the hub default. */
    public static class Quota {
        /** Largest user count the site may declare. */
        @PositiveOrZero
        @Max(1_000_000_000)
        public Integer maxUsers;
        /** Largest number of device tokens. */
        @PositiveOrZero
        @Max(1_000_000_000)
        public Integer maxDevices;
        /** Notifications per minute. */
        @PositiveOrZero
        @Max(1_000_000_000)
        public Integer notificationsPerMinute;
        /** Notifications per day. */
        @PositiveOrZero
        @Max(1_000_000_000)
        public Integer notificationsPerDay;
        /** Broadcasts per day. */
        @PositiveOrZero
        @Max(1_000_000_000)
        public Integer broadcastsPerDay;
    }
}
