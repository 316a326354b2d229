package net.moodlepushhub.gateway.quota;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.GatewayProblem;
import net.moodlepushhub.gateway.keys.RevocationRegistry;

/**
 * Refuses the sends of a site the hub found over its user quota for longer than the grace period (the hub's
 * feed events {@code over-quota} / {@code within-quota}): the site keeps its keys and devices, but a hub paid
 * for by one operator does not deliver for a site larger than it serves.
 */
@ApplicationScoped
public class UserQuota {

    @Inject
    RevocationRegistry registry;

    /**
     * @param siteId the sending site
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 403 quota-exceeded}, with the member
     *                                                          {@code error} that AirNotifier clients read
     */
    public void requireWithinQuota(String siteId) {
        if (registry.isOverQuota(siteId)) {
            String detail = "This site reported more users than the hub's quota for longer than the grace period, so its "
                    + "notifications are refused. Run your own push gateway (this project is open source), or ask the hub's "
                    + "operator to raise the site's limit.";
            throw Problem.of(GatewayProblem.QUOTA_EXCEEDED, detail).with("error", "Site over the hub's user quota").toException();
        }
    }
}
