package net.moodlepushhub.hub.admin;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.web.ClientAddress;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.LinkedHashMap;
import java.util.Map;

/** Operator login and "who am I". Thin: the logic is in {@link OperatorAccounts}. */
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "admin")
public class AdminLoginResource {

    @Inject
    OperatorAccounts accounts;

    @Inject
    HubSettings settings;

    @Context
    HttpServletRequest http;

    /** What an operator sends to log in. */
    public static class LoginRequest {
        /** The username. */
        @NotBlank
        @Size(max = 64)
        public String username;
        /** The password. */
        @NotBlank
        @Size(max = PasswordHasher.MAX_LENGTH)
        public String password;
    }

    @POST
    @Path("login")
    @Operation(summary = "Operator login", description = "Returns a short-lived bearer session token for the admin API.")
    public Map<String, Object> login(@NotNull @Valid LoginRequest request) {
        OperatorAccounts.Login login = accounts.login(request.username, request.password, ClientAddress.of(http, settings.trustedProxies()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", login.session().token());
        body.put("tokenType", "Bearer");
        body.put("expiresAt", login.session().expiresAt().toString());
        body.put("username", login.username());
        body.put("role", login.role().wire());
        return body;
    }

    @GET
    @Path("me")
    @Operation(summary = "The logged-in operator")
    public Map<String, Object> me(@Context SecurityContext security) {
        OperatorPrincipal operator = (OperatorPrincipal) security.getUserPrincipal();
        return Map.of("username", operator.username(), "role", operator.role().wire());
    }
}
