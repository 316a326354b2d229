package net.moodlepushhub.hub.admin;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
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


/** Operator login and "who am I". Thin: the logic is in {@link OperatorAccounts}. */
@ApplicationScoped
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
    public Session login(@NotNull @Valid LoginRequest request) {
        OperatorAccounts.Login login = accounts.login(request.username, request.password, ClientAddress.of(http, settings.trustedProxies()));
        return new Session(login.session().token(), "Bearer", login.session().expiresAt().toString(), login.username(), login.role().wire());
    }

    /** A new session: the bearer token for the admin API, until {@code expiresAt}. */
    @JsonbPropertyOrder({"token", "tokenType", "expiresAt", "username", "role"})
    public record Session(String token, String tokenType, String expiresAt, String username, String role) {
    }

    /** The logged-in operator; {@code email} is null when none is set. */
    @JsonbPropertyOrder({"username", "role", "email"})
    public record Me(String username, String role, @JsonbNillable String email) {
    }

    /** The operator's address after a change; {@code email} is null when cleared. */
    @JsonbPropertyOrder({"username", "email"})
    public record Email(String username, @JsonbNillable String email) {
    }

    @GET
    @Path("me")
    @Operation(summary = "The logged-in operator")
    public Me me(@Context SecurityContext security) {
        OperatorPrincipal operator = (OperatorPrincipal) security.getUserPrincipal();
        return new Me(operator.username(), operator.role().wire(), accounts.email(operator.username()));
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
    public Email setEmail(@Context SecurityContext security, @NotNull @Valid EmailRequest request) {
        OperatorPrincipal operator = (OperatorPrincipal) security.getUserPrincipal();
        return new Email(operator.username(), accounts.setEmail(operator.username(), request.email));
    }
}
