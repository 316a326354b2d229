package net.moodlepushhub.gateway.e2e;

import net.moodlepushhub.testsupport.TestStack;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.time.Duration;

/**
 * Hands a test the gateway's end-to-end stack ({@link TestStack}: hub and gateway each in a Payara Micro on
 * MariaDB, mock APNs, fake FCM, stand-in site). The stack is started once per test run and kept in the root
 * store, so the classes of {@code net.moodlepushhub.gateway.GatewayIT} (a suite) share one hub and one gateway
 * (starting them is most of an IT's time), while each class run alone ({@code -Dit.test=NotificationsIT}) starts
 * its own. JUnit closes it when the run ends.
 *
 * <p>Classes sharing the stack must not depend on each other: each registers its own sites in {@code @BeforeAll}.
 */
public final class GatewayStackExtension implements ParameterResolver {

    /** The hub's public URL: the issuer of its keys, and not where the gateway reaches it. */
    public static final String HUB_PUBLIC_URL = "http://hub.test";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(GatewayStackExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("stack", key -> start(), TestStack.class);
    }

    private static TestStack start() {
        long started = System.nanoTime();
        TestStack stack = TestStack.builder("gateway-it")
                .hubDb(System.getProperty("it.hub.db.url"))
                .gatewayDb(System.getProperty("it.db.url"))
                .withFcm()
                // The keys name the hub by its public URL, which is not the address the gateway reaches it by (as
                // behind a reverse proxy or in a container network): the gateway must take the issuer from the hub's
                // metadata.
                .hubProperty("hub.public-url", HUB_PUBLIC_URL)
                // Quick retries, so the retry tests take seconds.
                .gatewayProperty("gateway.delivery.retry-base", "PT0.2S")
                .gatewayProperty("gateway.delivery.retry-cap", "PT1S")
                .gatewayProperty("gateway.delivery.max-attempts", "3")
                // Small limits and a fast abuse check, so the tests can cross them.
                .gatewayProperty("gateway.quota.broadcasts-per-day", "3")
                .gatewayProperty("gateway.abuse.check-interval", "PT1S")
                .gatewayProperty("gateway.quota.report-interval", "PT1S")
                .gatewayProperty("gateway.stats.report-interval", "PT1S")
                .gatewayProperty("gateway.stats.devices-interval", "PT1S")
                .gatewayProperty("gateway.abuse.min-sample", "8")
                .start();
        System.out.println("[GatewayStackExtension] " + stack + " started in " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
        return stack;
    }
}
