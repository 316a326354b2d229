package net.moodlepushhub.hub.web;

import com.hazelcast.cache.HazelcastCacheManager;
import com.hazelcast.cache.impl.HazelcastServerCachingProvider;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.cache.CacheManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two hub instances' limiters on a real two-member Hazelcast cluster (the Hazelcast Payara Micro ships, joined
 * over TCP/IP on loopback, as a Payara cluster on one machine): what one instance counts, the other sees.
 */
class SharedRateLimiterTest {

    private static HazelcastInstance member1;
    private static HazelcastInstance member2;
    private static CacheManager manager1;
    private static CacheManager manager2;

    @BeforeAll
    static void cluster() throws IOException {
        int port1 = freePort();
        int port2 = freePort();
        member1 = Hazelcast.newHazelcastInstance(config("one", port1, port2));
        member2 = Hazelcast.newHazelcastInstance(config("two", port2, port1));
        assertThat(member1.getCluster().getMembers()).hasSize(2);
        manager1 = cacheManager(member1);
        manager2 = cacheManager(member2);
    }

    @AfterAll
    static void stop() {
        Hazelcast.shutdownAll();
    }

    private static Config config(String name, int port, int other) {
        Config c = new Config("mph-hub-test-" + name);
        c.setClusterName("mph-hub-test-" + ProcessHandle.current().pid());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "jdk");
        c.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = c.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1:" + port, "127.0.0.1:" + other));
        return c;
    }

    private static CacheManager cacheManager(HazelcastInstance member) {
        // Each member's own provider, not Caching's registry (which would hand both the first member's manager).
        CacheManager manager = new HazelcastServerCachingProvider(member).getCacheManager();
        assertThat(((HazelcastCacheManager) manager).getHazelcastInstance().getName()).isEqualTo(member.getName());
        return manager;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static RateLimiter limiter(CacheManager manager, String name, int limit, Duration window) {
        return new RateLimiter(limit, window, System::currentTimeMillis, SharedCaches.cache(manager, name, window));
    }

    @Test
    void failedLoginsOnOneInstanceCountOnTheOther() {
        RateLimiter hub1 = limiter(manager1, "mph-hub-login-failures-test", 3, Duration.ofMinutes(15));
        RateLimiter hub2 = limiter(manager2, "mph-hub-login-failures-test", 3, Duration.ofMinutes(15));
        assertThat(hub1.isShared()).isTrue();

        hub1.record("addr:203.0.113.7");
        hub2.record("addr:203.0.113.7");
        assertThat(hub1.retryAfter("addr:203.0.113.7")).isEmpty();
        hub1.record("addr:203.0.113.7");

        assertThat(hub2.retryAfter("addr:203.0.113.7")).isPresent();
        assertThat(hub1.retryAfter("addr:203.0.113.7")).isPresent();
        assertThat(hub2.retryAfter("addr:198.51.100.1")).isEmpty();

        hub2.reset("addr:203.0.113.7");
        assertThat(hub1.retryAfter("addr:203.0.113.7")).isEmpty();
    }

    @Test
    void concurrentReportsThroughBothInstancesAreAllowedExactlyTheLimit() throws Exception {
        int limit = 25;
        RateLimiter hub1 = limiter(manager1, "mph-hub-abuse-reports-test", limit, Duration.ofHours(1));
        RateLimiter hub2 = limiter(manager2, "mph-hub-abuse-reports-test", limit, Duration.ofHours(1));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<OptionalLong>> tries = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                RateLimiter through = i % 2 == 0 ? hub1 : hub2;
                tries.add(() -> through.tryAcquire("192.0.2.9"));
            }
            long allowed = 0;
            for (Future<OptionalLong> f : pool.invokeAll(tries)) {
                if (f.get().isEmpty()) {
                    allowed++;
                }
            }
            // In memory per instance, this would be 2 x limit.
            assertThat(allowed).isEqualTo(limit);
        } finally {
            pool.shutdownNow();
        }
    }
}
