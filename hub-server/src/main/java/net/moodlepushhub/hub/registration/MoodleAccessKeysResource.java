package net.moodlepushhub.hub.registration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import net.moodlepushhub.hub.keys.FeedAuthorization;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.Map;

/**
 * For the gateway only (feed token): answers Moodle's legacy {@code POST /accesskeys/} with a fresh site key
 * for a site the hub verified for that URL, when the site presents the Moodle site id it registered with.
 */
@ApplicationScoped
@Path("/api/v1/internal/moodle-access-keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "internal")
public class MoodleAccessKeysResource {

    @Inject
    RegistrationService registrations;

    @Inject
    FeedAuthorization feedAuthorization;

    /** The gateway's request. */
    public static class Request {
        /** The site's wwwroot as Moodle sent it. */
        @NotBlank
        @Size(max = SiteUrls.MAX_LENGTH)
        public String url;
        /** Moodle's {@code siteid}. */
        @NotBlank
        @Size(max = 64)
        public String moodleSiteId;
    }

    @POST
    @Operation(summary = "A Moodle-form site key for a verified site (gateway only)")
    public Map<String, String> issue(@NotNull @Valid Request request, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        feedAuthorization.check(authorization);
        RegistrationService.Credentials issued = registrations.moodleAccessKey(request.url, request.moodleSiteId);
        return Map.of("siteId", issued.site().getId(), "moodleAccessKey", issued.keys().moodleAccessKey());
    }
}
