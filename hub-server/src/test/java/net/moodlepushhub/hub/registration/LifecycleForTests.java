package net.moodlepushhub.hub.registration;

import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.keys.KeyIssuer;
import net.moodlepushhub.hub.keys.RevocationFeed;

/** Builds the site life-cycle bean outside the container, for unit tests in other packages. */
public final class LifecycleForTests {

    private LifecycleForTests() {
    }

    /**
     * @param keys  the key issuer (revokes keys)
     * @param feed  the revocation feed (events)
     * @param audit the audit log (rows)
     * @return the bean, wired as the container wires it
     */
    public static SiteLifecycle lifecycle(KeyIssuer keys, RevocationFeed feed, AuditLog audit) {
        SiteLifecycle lifecycle = new SiteLifecycle();
        lifecycle.keys = keys;
        lifecycle.feed = feed;
        lifecycle.audit = audit;
        return lifecycle;
    }
}
