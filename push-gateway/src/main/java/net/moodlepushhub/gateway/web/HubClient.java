package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.GatewayProblem;

import java.io.IOException;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls the hub's internal API on behalf of Moodle's legacy {@code POST /accesskeys/}. */
@ApplicationScoped
public class HubClient {

    @Inject
    net.moodlepushhub.gateway.hub.HubConnection hub;

    /**
     * @param siteUrl      the site's wwwroot as Moodle sent it
     * @param moodleSiteId Moodle's {@code siteid} (md5 of its site identifier)
     * @return a site key in Moodle's form, for a site the hub verified for that URL
     */
    public String moodleAccessKey(String siteUrl, String moodleSiteId) {
        String body = Json.createObjectBuilder().add("url", siteUrl).add("moodleSiteId", moodleSiteId).build().toString();
        HttpResponse<String> response;
        try {
            response = hub.postJson("/api/v1/internal/moodle-access-keys", body, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw Problem.of(GatewayProblem.HUB_UNAVAILABLE, "The hub cannot be reached; try again later.").withHeader("Retry-After", "30").toException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problem.of(GatewayProblem.HUB_UNAVAILABLE, "Interrupted.").toException();
        }
        if (response.statusCode() == 200) {
            try (JsonReader reader = Json.createReader(new StringReader(response.body()))) {
                JsonObject o = reader.readObject();
                return o.getString("moodleAccessKey");
            }
        }
        if (response.statusCode() >= 500) {
            throw Problem.of(GatewayProblem.HUB_UNAVAILABLE, "The hub could not answer; try again later.").withHeader("Retry-After", "30").toException();
        }
        throw Problem.of(GatewayProblem.SITE_NOT_VERIFIED, "No site verified on the hub matches this URL and site id. Register the site on the hub first.")
                .toException();
    }
}
