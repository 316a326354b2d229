package net.moodlepushhub.gateway.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The access-key scopes a resource method needs (any one of them, enforced by {@link AccessKeyFeature}): the
 * request's key is verified once, before the method runs, and the verified caller is then available from
 * {@link CurrentCaller}. Methods without it are open (Moodle's {@code GET /}, {@code POST /accesskeys/}).
 *
 * <p>Several scopes mean "either": registering a device token takes a site key ({@code confirm_token}) or a
 * device key ({@code create_token}), and the resource looks at the caller's kind for the difference.</p>
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RequiresScope {
    /** @return the scopes, any one of which allows the call ({@link net.moodlepushhub.common.keys.AccessKeyKind.Scope}) */
    String[] value();
}
