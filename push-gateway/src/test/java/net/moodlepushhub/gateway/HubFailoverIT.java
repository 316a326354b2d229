package net.moodlepushhub.gateway;

import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.SiteRegistrar;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import net.moodlepushhub.testsupport.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault test 4 of issue 8, for one gateway: two hubs in their own Payara Micro JVMs on one MariaDB database, a
 * gateway listing both in {@code gateway.hub-url}; hub 1, which the gateway follows, is killed like
 * {@code kill -9}. The gateway must keep verifying keys (its cached JWKS), follow the revocation feed from
 * hub 2 (a key rotated through hub 2 is refused), and report ready. On the way it also shows that an admin
 * session issued by one hub is accepted by the other (signed with the signing key both read from the database).
 */
class HubFailoverIT {

    static final String DB_URL = System.getProperty("it.failover.db.url");
    static final String HUB_DB_URL = System.getProperty("it.failover.hub.db.url");
    static TestStack stack;
    static StandInSite site;
    static PayaraMicroProcess hub1;
    static PayaraMicroProcess hub2;
    static PayaraMicroProcess gatewayProcess;

    @BeforeAll
    static void start() {
        // One deployment, one issuer: both hubs publish the same public URL (a load balancer's, in production); the
        // gateway lists both.
        stack = TestStack.builder("hub-failover-it").hubDb(HUB_DB_URL).gatewayDb(DB_URL).hubs(2).start();
        site = stack.site();
        hub1 = stack.hubProcesses().get(0);
        hub2 = stack.hubProcesses().get(1);
        gatewayProcess = stack.gatewayProcess();
    }

    @AfterAll
    static void stop() {
        StackConfig.closeAll(stack);
    }

    @Test
    void theGatewayKeepsVerifyingFollowsTheFeedFromHub2AndStaysReadyWhenHub1IsKilled() throws Exception {
        HttpJson viaHub1 = new HttpJson(hub1.baseUrl());
        HttpJson viaHub2 = new HttpJson(hub2.baseUrl());
        HttpJson gateway = new HttpJson(gatewayProcess.baseUrl());

        Map<String, Object> a = register(viaHub1);
        Map<String, Object> b = register(viaHub1);
        String keyA = (String) a.get("siteKey");
        assertThat(gateway.send("GET", "api/v1/deliveries", null, keyA).status()).isEqualTo(200);
        assertThat(ready(gateway).body()).contains(hub1.baseUrl());

        // An admin session issued by hub 1 is accepted by hub 2.
        String admin = stack.adminToken();
        Answer sites = viaHub2.send("GET", "api/v1/admin/sites", null, admin);
        assertThat(sites.status()).as(sites.toString()).isEqualTo(200);

        hub1.kill();
        long killed = System.nanoTime();

        // A key the gateway has not verified before: checked against the JWKS it holds.
        Answer withB = gateway.send("GET", "api/v1/deliveries", null, (String) b.get("siteKey"));
        assertThat(withB.status()).as(withB.toString()).isEqualTo(200);
        assertThat(gateway.send("GET", "api/v1/deliveries", null, keyA).status()).isEqualTo(200);

        // Rotated through hub 2: the old key is revoked there, and the gateway hears it from hub 2's feed.
        Answer rotated = viaHub2.send("POST", "api/v1/sites/" + a.get("siteId") + "/keys", null, (String) a.get("managementToken"));
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        long rotatedAt = System.nanoTime();
        await("the old key refused after its rotation through hub 2").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> gateway.send("GET", "api/v1/deliveries", null, keyA).status() == 401);
        long refusedAfter = Duration.ofNanos(System.nanoTime() - rotatedAt).toMillis();
        assertThat(gateway.send("GET", "api/v1/deliveries", null, keyA).get("reason")).isEqualTo("revoked");
        assertThat(gateway.send("GET", "api/v1/deliveries", null, rotated.get("siteKey")).status()).isEqualTo(200);

        await("the gateway ready, following hub 2").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Answer r = ready(gateway);
                    return r.status() == 200 && r.body().contains("\"hub\":\"" + hub2.baseUrl() + "\"");
                });
        System.out.println("[HubFailoverIT] hub 1 killed; old key refused " + refusedAfter + " ms after its rotation through hub 2; ready on hub 2 "
                + Duration.ofNanos(System.nanoTime() - killed).toMillis() + " ms after the kill");
    }

    static Map<String, Object> register(HttpJson hub) {
        return SiteRegistrar.registerAndVerify(hub, site, site.baseUrl() + "/moodle-" + UUID.randomUUID(), Map.of("users", 100, "activeUsers", 50));
    }

    static Answer ready(HttpJson gateway) {
        return gateway.send("GET", "health/ready", null, null);
    }
}
