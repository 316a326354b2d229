package net.moodlepushhub.hub.keys;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.hub.HubSettings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Checks the shared secret that gateways present to the hub's feed and internal API. */
@ApplicationScoped
public class FeedAuthorization {

    @Inject
    HubSettings settings;

    /**
     * @param authorization the {@code Authorization} header
     * @throws net.moodlepushhub.common.problem.ProblemException {@code 401 invalid-feed-token}
     */
    public void check(String authorization) {
        if (settings.feedToken().isEmpty()) {
            return;
        }
        if (!isGateway(authorization)) {
            throw Problem.of(HubProblem.INVALID_FEED_TOKEN, "This endpoint is for the gateway and needs its feed token.")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"moodle-push-hub\"").toException();
        }
    }

    /**
     * @param authorization the {@code Authorization} header
     * @return true when it carries the configured feed token (false when none is configured)
     */
    public boolean isGateway(String authorization) {
        String expected = settings.feedToken();
        if (expected.isEmpty() || authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(authorization.substring(7).getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }
}
