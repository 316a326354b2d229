package net.moodlepushhub.hub.quota;

import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;

/**
 * A site's quota limits on the wire, for its own admin (the limits in force) and for the hub's admins (the
 * overrides). A {@code null} delivery limit means the gateway's default; every member is always sent.
 *
 * @param maxUsers               the user limit
 * @param maxDevices             devices per site
 * @param notificationsPerMinute notifications per minute
 * @param notificationsPerDay    notifications per day
 * @param broadcastsPerDay       broadcasts per day
 */
@JsonbNillable
@JsonbPropertyOrder({"maxUsers", "maxDevices", "notificationsPerMinute", "notificationsPerDay", "broadcastsPerDay"})
public record LimitsView(Integer maxUsers, Integer maxDevices, Integer notificationsPerMinute, Integer notificationsPerDay,
                         Integer broadcastsPerDay) {

    /**
     * @param overrides an admin's overrides
     * @return them as they are ({@code null}: the default)
     */
    public static LimitsView overrides(SiteQuota.Limits overrides) {
        return new LimitsView(overrides.maxUsers(), overrides.maxDevices(), overrides.notificationsPerMinute(),
                overrides.notificationsPerDay(), overrides.broadcastsPerDay());
    }

    /**
     * @param overrides an admin's overrides
     * @param maxUsers  the user limit in force (the override or the hub default)
     * @return the limits in force
     */
    public static LimitsView inForce(SiteQuota.Limits overrides, int maxUsers) {
        return new LimitsView(maxUsers, overrides.maxDevices(), overrides.notificationsPerMinute(),
                overrides.notificationsPerDay(), overrides.broadcastsPerDay());
    }
}
