package net.moodlepushhub.hub.moodle;

import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;

/**
 * The Moodle side of a site registered from Moodle's own pages, as its admin and the hub's admins see it: what
 * Moodle last reported ({@code hub_update_site_info}) and the user-quota state.
 *
 * @param release           Moodle's release string
 * @param users             users as reported (Moodle sends every value as text)
 * @param activeUsers       active users as reported
 * @param registeredDevices mobile devices as reported
 * @param lastUpdate        when Moodle last reported, or null
 * @param lastUpdateSigned  whether that report was signed
 * @param overQuotaSince    since when the site reports more users than its limit, or null
 * @param sendsRefusedAt    when the gateways start refusing its sends (the grace ends), or null
 * @param quotaEnforced     whether they refuse them now
 */
@JsonbNillable
@JsonbPropertyOrder({"release", "users", "activeUsers", "registeredDevices", "lastUpdate", "lastUpdateSigned", "overQuotaSince",
        "sendsRefusedAt", "quotaEnforced"})
public record MoodleSiteView(String release, String users, String activeUsers, String registeredDevices, String lastUpdate,
                             boolean lastUpdateSigned, String overQuotaSince, String sendsRefusedAt, boolean quotaEnforced) {
}
