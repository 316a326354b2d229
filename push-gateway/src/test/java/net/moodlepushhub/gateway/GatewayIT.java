package net.moodlepushhub.gateway;

import org.junit.platform.suite.api.IncludeClassNamePatterns;
import org.junit.platform.suite.api.SelectPackages;
import org.junit.platform.suite.api.Suite;

/**
 * The gateway end to end, by concern: the classes of {@code net.moodlepushhub.gateway.e2e} (AirNotifier API,
 * device tokens, notifications, key verification, site limits), run against one shared stack: the gateway and
 * the real hub each in their own Payara Micro on the real MariaDB, sites registered on the hub through its API (a
 * stand-in site serves the challenge), deliveries to Pushy's {@code MockApnsServer} (TLS, HTTP/2, token
 * authentication checked) and to a fake FCM HTTP v1 with its OAuth2 token endpoint.
 *
 * <p>Starting the two servers is most of the time an IT takes, so the classes share them through this suite
 * (failsafe runs each IT class in a JVM of its own, and excludes the member classes so that they run only here).
 * They share nothing else and run in any order; each can also run alone, with a stack of its own:
 * {@code -Dit.test=NotificationsIT}.
 */
@Suite
@SelectPackages("net.moodlepushhub.gateway.e2e")
@IncludeClassNamePatterns(".*IT")
public class GatewayIT {
}
