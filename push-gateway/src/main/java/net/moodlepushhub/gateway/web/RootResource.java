package net.moodlepushhub.gateway.web;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/**
 * {@code GET /}: Moodle's {@code check_configuration()} treats a 200 here as "the push server is online".
 */
@Path("/")
public class RootResource {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, String> root() {
        return Map.of("service", "moodle-push-hub gateway", "status", "online");
    }
}
