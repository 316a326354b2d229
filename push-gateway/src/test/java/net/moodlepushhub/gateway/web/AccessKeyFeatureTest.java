package net.moodlepushhub.gateway.web;

import jakarta.ws.rs.container.ContainerRequestContext;
import net.moodlepushhub.common.keys.AccessKeyKind;
import net.moodlepushhub.gateway.keys.Caller;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The scope check's filter, outside a container: what every request needs before its resource method runs. */
class AccessKeyFeatureTest {

    static final Caller CALLER = new Caller("site-1", "https://moodle.example", AccessKeyKind.SITE, Set.of("send"), "jti", Instant.now().plusSeconds(3600));

    @Test
    void theFirstRequestsArrivingTogetherAllGetTheirCallerWhileTheBeansAreStillBeingLookedUp() throws Exception {
        KeyAuthentication auth = acceptingEveryKey();
        // A slow first lookup (CDI resolving the beans) widens the window in which another request runs the filter.
        AccessKeyFeature.Check check = new AccessKeyFeature.Check(List.of("send"), false, () -> {
            sleep(50);
            return new AccessKeyFeature.Beans(auth, new CurrentCaller());
        });
        int requests = 16;
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Object>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                answers.add(pool.submit(() -> {
                    Map<String, Object> properties = new ConcurrentHashMap<>();
                    start.await();
                    check.filter(request(properties));
                    return properties.get(AccessKeyFeature.CALLER);
                }));
            }
            start.countDown();
            for (Future<Object> answer : answers) {
                assertThat(answer.get()).isEqualTo(CALLER);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theCallerIsTheRequestThreadsUntilTheResponseGoesOut() throws Exception {
        KeyAuthentication auth = acceptingEveryKey();
        CurrentCaller current = new CurrentCaller();
        AccessKeyFeature.Check check = new AccessKeyFeature.Check(List.of("send"), false, () -> new AccessKeyFeature.Beans(auth, current));
        check.filter(request(new ConcurrentHashMap<>()));
        assertThat(current.get()).isEqualTo(CALLER);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            assertThat(other.submit(() -> catching(current::get)).get()).as("another thread's request").isInstanceOf(IllegalStateException.class);
        } finally {
            other.shutdownNow();
        }
        check.filter(request(new ConcurrentHashMap<>()), null);
        assertThat(catching(current::get)).as("after the response").isInstanceOf(IllegalStateException.class);
    }

    static Object catching(java.util.concurrent.Callable<?> call) {
        try {
            return call.call();
        } catch (Exception e) {
            return e;
        }
    }

    /** A key check that verifies every key as {@link #CALLER}. */
    static KeyAuthentication acceptingEveryKey() {
        return new KeyAuthentication() {
            @Override
            public Caller authenticate(String presented, List<String> scopes, boolean legacy) {
                return CALLER;
            }
        };
    }

    /** A request with no headers whose properties land in {@code properties}. */
    static ContainerRequestContext request(Map<String, Object> properties) {
        return (ContainerRequestContext) Proxy.newProxyInstance(AccessKeyFeatureTest.class.getClassLoader(), new Class<?>[]{ContainerRequestContext.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("setProperty")) {
                        properties.put((String) args[0], args[1]);
                    }
                    return null;
                });
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
