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
import jakarta.ws.rs.PUT;
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
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("username", operator.username());
        body.put("role", operator.role().wire());
        body.put("email", accounts.email(operator.username()));
        return body;
    }

    /** An operator's own e-mail address. */
    public static class EmailRequest {
        /** The address, or null/empty to receive no digest. */
        @Size(max = 254)
        public String email;
    }

    @PUT
    @Path("me/email")
    @Operation(summary = "Set the logged-in operator's e-mail address",
            description = "Where the digest of new abuse reports is sent (at most one per hub.mail.digest-interval); null or empty clears it.")
    public Map<String, Object> setEmail(@Context SecurityContext security, @NotNull @Valid EmailRequest request) {
        OperatorPrincipal operator = (OperatorPrincipal) security.getUserPrincipal();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("username", operator.username());
        body.put("email", accounts.setEmail(operator.username(), request.email));
        return body;
    }
}
