package net.moodlepushhub.hub;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;

/** The hub's JAX-RS application; resources and providers are discovered. */
@ApplicationPath("/")
@OpenAPIDefinition(info = @Info(
        title = "moodle-push-hub: hub",
        version = "1",
        description = "Registers Moodle sites by URL callback and issues their scoped push access keys.",
        license = @License(name = "GPL-3.0-or-later")))
public class HubApplication extends Application {
}
