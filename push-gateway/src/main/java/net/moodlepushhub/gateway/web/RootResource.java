package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;


/**
 * {@code GET /}: Moodle's {@code check_configuration()} treats a 200 here as "the push server is online".
 */
@ApplicationScoped
@Path("/")
public class RootResource {

    /**
     * @param service what answers
     * @param status  always {@code online}
     */
    public record Online(String service, String status) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Online root() {
        return new Online("moodle-push-hub gateway", "online");
    }
}
