package net.moodlepushhub.hub.admin;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.ext.Provider;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.common.problem.ProblemResponses;

import java.util.Arrays;

/**
 * Binds a role check to every resource method annotated with {@link RequiresRole} (or whose class is): the
 * operator established by {@link AdminAuthenticationFilter} must hold one of the roles, else {@code 403
 * forbidden-role}.
 */
@Provider
public class RoleCheckFeature implements DynamicFeature {

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        RequiresRole required = resourceInfo.getResourceMethod().getAnnotation(RequiresRole.class);
        if (required == null) {
            required = resourceInfo.getResourceClass().getAnnotation(RequiresRole.class);
        }
        if (required != null) {
            context.register(new Check(required.value()));
        }
    }

    @Priority(Priorities.AUTHORIZATION)
    static final class Check implements ContainerRequestFilter {
        private final Role[] roles;

        Check(Role[] roles) {
            this.roles = roles;
        }

        @Override
        public void filter(ContainerRequestContext request) {
            if (!(request.getSecurityContext().getUserPrincipal() instanceof OperatorPrincipal operator)) {
                request.abortWith(ProblemResponses.toResponse(AdminAuthenticationFilter.required()));
                return;
            }
            if (Arrays.stream(roles).noneMatch(r -> r == operator.role())) {
                request.abortWith(ProblemResponses.toResponse(Problem.of(HubProblem.FORBIDDEN_ROLE,
                        "Your role (" + operator.role().wire() + ") may not do this; it needs "
                                + String.join(" or ", Arrays.stream(roles).map(Role::wire).toList()) + ".")));
            }
        }
    }
}
