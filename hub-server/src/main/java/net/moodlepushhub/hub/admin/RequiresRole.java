package net.moodlepushhub.hub.admin;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The roles allowed to call an admin API method (enforced by {@link RoleCheckFeature}); methods without it
 * are open to every authenticated operator (reads).
 *
 * <p>Our own annotation rather than {@code @RolesAllowed}: Payara also interprets {@code @RolesAllowed} on CDI
 * beans with its own interceptor against the container's (Jakarta Security) caller, who is anonymous here
 * because operators authenticate with a hub-signed session token at the JAX-RS layer. Keeping the two apart
 * means exactly one mechanism decides, and its refusals are problem documents.</p>
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RequiresRole {
    /** @return the roles allowed */
    Role[] value();
}
