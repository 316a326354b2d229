package net.moodlepushhub.testsupport;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configuration that wires a real hub and gateway to each other and to their test peers (MariaDB, the
 * stand-in site, Pushy's MockApnsServer), as MicroProfile Config system properties. Shared by the
 * integration tests and the benchmarks so that they all run the same system.
 */
public final class StackConfig {

    /**
     * The key-encryption key of the signing keys of every hub the tests and benchmarks start (a hub does not
     * start without one). A fixed test value, so that a hub restarted on the same database, and a test reading a
     * signing key through {@code KeyEncryption}, use the same one. Never use it outside tests.
     */
    public static final String TEST_KEYS_ENCRYPTION_KEY = "dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0zMmI=";

    private StackConfig() {
    }

    /**
     * @param dbUrl     the hub's MariaDB database
     * @param user      database user
     * @param password  database password
     * @param hubPort   the port the hub will listen on (its issuer URL is derived from it)
     * @param site      the stand-in site the verifier must be allowed to call
     * @param feedToken the secret shared with the gateway
     * @return the hub's properties (add more freely)
     */
    public static Map<String, String> hub(String dbUrl, String user, String password, int hubPort, StandInSite site, String feedToken) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("hub.db.url", dbUrl);
        p.put("hub.db.user", user);
        p.put("hub.db.password", password);
        p.put("hub.public-url", "http://127.0.0.1:" + hubPort);
        p.put("hub.verifier.allow-private-networks", "true");
        p.put("hub.verifier.allowed-ports", "80,443," + URI.create(site.baseUrl()).getPort());
        p.put("hub.feed.token", feedToken);
        p.put("hub.keys.encryption-key", TEST_KEYS_ENCRYPTION_KEY);
        return p;
    }

    /**
     * @param dbUrl     the gateway's MariaDB database
     * @param user      database user
     * @param password  database password
     * @param hubUrl    the hub's base URL
     * @param feedToken the hub's feed token
     * @param apns      the mock APNs server
     * @param apnsFiles where {@link MockApnsFixture#writeFiles(Path)} wrote the key and certificate
     * @return the gateway's properties (add more freely)
     */
    public static Map<String, String> gateway(String dbUrl, String user, String password, String hubUrl, String feedToken,
                                              MockApnsFixture apns, Path apnsFiles) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("gateway.db.url", dbUrl);
        p.put("gateway.db.user", user);
        p.put("gateway.db.password", password);
        p.put("gateway.hub-url", hubUrl.replaceAll("/$", ""));
        p.put("gateway.hub-feed-token", feedToken);
        p.put("gateway.apns.server", "127.0.0.1:" + apns.port());
        p.put("gateway.apns.trust-cert-file", apnsFiles.resolve("apns-server.pem").toString());
        p.put("gateway.apns.key-file", apnsFiles.resolve("AuthKey_" + apns.keyId() + ".p8").toString());
        p.put("gateway.apns.team-id", apns.teamId());
        p.put("gateway.apns.key-id", apns.keyId());
        p.put("gateway.apns.topic", apns.topic());
        return p;
    }

    /**
     * Closes everything given, in order, ignoring nulls and carrying on past failures.
     *
     * @param resources what to close
     */
    public static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                System.err.println("closing " + r + " failed: " + e);
            }
        }
    }
}
