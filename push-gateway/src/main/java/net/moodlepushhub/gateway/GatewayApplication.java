package net.moodlepushhub.gateway;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;

/** The gateway's JAX-RS application; resources and providers are discovered. */
@ApplicationPath("/")
@OpenAPIDefinition(info = @Info(
        title = "moodle-push-hub: push gateway",
        version = "1",
        description = "AirNotifier-compatible push gateway for Moodle sites, delivering to APNs and FCM.",
        license = @License(name = "GPL-3.0-or-later")))
public class GatewayApplication extends Application {
}
