package net.moodlepushhub.gateway.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the resource class of the AirNotifier-compatible routes: their errors are rendered as Moodle expects
 * them. A refused key is {@code 400 invalid-access-key} with {@code "error": "Invalid access key"} instead of
 * {@code 401} ({@link AccessKeyFeature}), and every {@code 4xx} on their paths carries AirNotifier's
 * {@code error} member ({@link AirNotifierErrors}, which takes the paths from this class's {@code @Path}s).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AirNotifierApi {
}
