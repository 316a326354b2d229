package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.GatewayProblem;
import net.moodlepushhub.gateway.hub.HubApi;
import net.moodlepushhub.gateway.hub.HubConnection;

import java.io.IOException;
import java.time.Duration;

/** Calls the hub's internal API on behalf of Moodle's legacy {@code POST /accesskeys/}. */
@ApplicationScoped
public class HubClient {

    @Inject
    HubConnection hub;

    /**
     * @param siteUrl      the site's wwwroot as Moodle sent it
     * @param moodleSiteId Moodle's {@code siteid} (md5 of its site identifier)
     * @return a site key in Moodle's form, for a site the hub verified for that URL
     */
    public String moodleAccessKey(String siteUrl, String moodleSiteId) {
        HubConnection.Answer answer;
        try {
            answer = hub.call(Duration.ofSeconds(10), false, api -> api.moodleAccessKey(new HubApi.MoodleAccessKeyRequest(siteUrl, moodleSiteId)));
        } catch (IOException e) {
            throw Problem.of(GatewayProblem.HUB_UNAVAILABLE, "The hub cannot be reached; try again later.").withHeader("Retry-After", "30").toException();
        }
        if (answer.status() == 200) {
            return answer.read(HubApi.MoodleAccessKey.class).moodleAccessKey();
        }
        if (answer.status() >= 500) {
            throw Problem.of(GatewayProblem.HUB_UNAVAILABLE, "The hub could not answer; try again later.").withHeader("Retry-After", "30").toException();
        }
        throw Problem.of(GatewayProblem.SITE_NOT_VERIFIED, "No site verified on the hub matches this URL and site id. Register the site on the hub first.")
                .toException();
    }
}
