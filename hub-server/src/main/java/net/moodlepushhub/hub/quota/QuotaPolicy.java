package net.moodlepushhub.hub.quota;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubSettings;

/**
 * The hub's per-site limits. The hub is a shared service paid for by one operator; a site larger than
 * {@code hub.quota.max-users} is expected to run its own gateway (this project is open source for that).
 */
@ApplicationScoped
public class QuotaPolicy {

    @Inject
    HubSettings settings;

    /**
     * Checks a site's user count at registration and on every update.
     *
     * @param users       the site's users
     * @param activeUsers its active users
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 403 quota-exceeded}, or
     *                                                          {@code 422 validation-failed} when active exceeds all
     */
    public void checkUsers(int users, int activeUsers) {
        if (activeUsers > users) {
            throw Problem.of(422, "validation-failed", "activeUsers: must not be greater than users").toException();
        }
        int max = settings.maxUsers();
        if (users > max) {
            throw Problem.of(403, "quota-exceeded",
                    "This hub serves sites with at most " + max + " users; this site has " + users
                            + ". Run your own push gateway (this project is open source) and point Moodle's"
                            + " airnotifierurl at it.")
                    .with("limit", max)
                    .with("users", users)
                    .toException();
        }
    }
}
