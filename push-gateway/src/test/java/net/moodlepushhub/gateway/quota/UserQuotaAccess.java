package net.moodlepushhub.gateway.quota;

import net.moodlepushhub.gateway.keys.RevocationRegistry;

/** Lets tests in other packages build a {@link UserQuota} on a registry they fill. */
public final class UserQuotaAccess {

    private UserQuotaAccess() {
    }

    /** @param registry the feed's state @return the quota check reading it */
    public static UserQuota of(RevocationRegistry registry) {
        UserQuota quota = new UserQuota();
        quota.registry = registry;
        return quota;
    }
}
