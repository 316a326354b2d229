package net.moodlepushhub.hub.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.persistence.HubDatabase;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.sql.Connection;

/** Ready only while the hub's database answers. */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements HealthCheck {

    @Inject
    HubDatabase db;

    @Override
    public HealthCheckResponse call() {
        try (Connection c = db.dataSource().getConnection()) {
            boolean valid = c.isValid(2);
            return HealthCheckResponse.named("hub-database").status(valid).build();
        } catch (Exception e) {
            return HealthCheckResponse.named("hub-database").down().withData("error", e.getClass().getSimpleName()).build();
        }
    }
}
