package net.moodlepushhub.hub.admin;

import java.security.Principal;

/**
 * The operator behind an admin API request, as established by {@link AdminAuthenticationFilter}.
 *
 * @param username the operator's username (the actor recorded in the audit log)
 * @param role     the operator's current role
 */
public record OperatorPrincipal(String username, Role role) implements Principal {

    @Override
    public String getName() {
        return username;
    }
}
