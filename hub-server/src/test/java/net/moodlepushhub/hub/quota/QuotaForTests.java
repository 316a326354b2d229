package net.moodlepushhub.hub.quota;

import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.persistence.HubDatabase;

/** Wires the hub's quota services outside the container, for unit tests in other packages. */
public final class QuotaForTests {

    private QuotaForTests() {
    }

    /** @param settings the hub's settings (its user limit) @return the quota policy */
    public static QuotaPolicy policy(HubSettings settings) {
        QuotaPolicy policy = new QuotaPolicy();
        policy.settings = settings;
        return policy;
    }

    /** @param db an open hub database @return the usage store */
    public static SiteUsage usage(HubDatabase db) {
        SiteUsage usage = new SiteUsage();
        usage.db = db;
        return usage;
    }
}
