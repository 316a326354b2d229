package net.moodlepushhub.hub.admin;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.common.web.BearerToken;
import net.moodlepushhub.common.problem.ProblemResponses;

import java.security.Principal;
import java.util.Optional;

/**
 * Authenticates every admin API request ({@code /api/v1/admin/...} except login) by its hub-signed session
 * token and installs the operator as the request's {@link SecurityContext}; anonymous or invalid requests get
 * {@code 401}.
 *
 * <p>Why a JAX-RS filter and not MicroProfile JWT: MP-JWT needs the verification key at deployment
 * ({@code mp.jwt.verify.publickey(.location)}), but the hub's signing key is generated at first start and
 * lives in its database (and rotates), and pointing the location at the hub's own JWKS URL makes start-up
 * depend on {@code hub.public-url} being reachable from the hub itself (it is not in tests, nor behind many
 * proxies). MP-JWT's refusals are also the container's plain 401/403 pages, not this API's problem documents,
 * and it would accept a site key presented as a session unless the audience is set per application. Checking
 * {@code typ}, audience, issuer and expiry here with Nimbus, the same library that signs them, avoids all three.</p>
 */
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AdminAuthenticationFilter implements ContainerRequestFilter {

    static final String PREFIX = "api/v1/admin";

    @Inject
    AdminSessions sessions;

    @Inject
    OperatorAccounts accounts;

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (!(path.equals(PREFIX) || path.startsWith(PREFIX + "/")) || path.equals(PREFIX + "/login")) {
            return;
        }
        String token = bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (token == null) {
            request.abortWith(ProblemResponses.toResponse(required()));
            return;
        }
        Optional<OperatorPrincipal> operator = sessions.verify(token).flatMap(accounts::current);
        if (operator.isEmpty()) {
            request.abortWith(ProblemResponses.toResponse(Problem.of(HubProblem.INVALID_ADMIN_SESSION,
                    "The session is invalid or expired; log in again.")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"moodle-push-hub-admin\", error=\"invalid_token\"")));
            return;
        }
        boolean secure = request.getSecurityContext().isSecure();
        OperatorPrincipal principal = operator.get();
        request.setSecurityContext(new SecurityContext() {
            @Override
            public Principal getUserPrincipal() {
                return principal;
            }

            @Override
            public boolean isUserInRole(String role) {
                return principal.role().wire().equals(role);
            }

            @Override
            public boolean isSecure() {
                return secure;
            }

            @Override
            public String getAuthenticationScheme() {
                return "Bearer";
            }
        });
    }

    /** The bearer token, or null; longer than a management token may be (a JWT), but bounded. */
    static String bearer(String authorization) {
        return BearerToken.of(authorization, 4096);
    }

    static Problem required() {
        return Problem.of(HubProblem.ADMIN_LOGIN_REQUIRED, "Log in at POST /api/v1/admin/login and send the session token as "
                + "'Authorization: Bearer <token>'.").withHeader("WWW-Authenticate", "Bearer realm=\"moodle-push-hub-admin\"");
    }
}
