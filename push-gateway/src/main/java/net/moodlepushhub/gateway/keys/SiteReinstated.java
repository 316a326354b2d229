package net.moodlepushhub.gateway.keys;

/**
 * CDI event fired when the hub reinstates a suspended site, so held notifications are released.
 *
 * @param siteId the site
 */
public record SiteReinstated(String siteId) {
}
