package net.moodlepushhub.bench;

import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.StandInSite;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The system under measurement, started for real: the hub and the gateway in Payara Micro on fresh MariaDB
 * databases, a stand-in Moodle site on 127.0.0.1, and Pushy's MockApnsServer as APNs.
 */
final class Stack implements AutoCloseable {

    static final String DB_SERVER = System.getProperty("bench.db.server", "jdbc:mariadb://127.0.0.1:3306/");
    static final String DB_USER = System.getProperty("bench.db.user", "root");
    static final String DB_PASSWORD = System.getProperty("bench.db.password", "");
    static final String FEED_TOKEN = "bench-feed-token";

    final Path root;
    final StandInSite site;
    final PayaraMicroProcess hub;
    final HttpJson hubApi;
    MockApnsFixture apns;
    PayaraMicroProcess gateway;
    HttpJson gatewayApi;
    final String gatewayDb;
    final String hubDb;

    private Stack(Path root, boolean withGateway) throws Exception {
        this.root = root;
        Path work = root.resolve("bench/target/run");
        Files.createDirectories(work);
        site = new StandInSite(0);
        hubDb = fresh("mph_bench_hub");
        gatewayDb = fresh("mph_bench_gateway");
        Map<String, String> hubProps = new HashMap<>();
        hubProps.put("hub.db.url", DB_SERVER + hubDb);
        hubProps.put("hub.db.user", DB_USER);
        hubProps.put("hub.db.password", DB_PASSWORD);
        hubProps.put("hub.verifier.allow-private-networks", "true");
        hubProps.put("hub.verifier.allowed-ports", "80,443," + URI.create(site.baseUrl()).getPort());
        hubProps.put("hub.challenge.max-attempts-per-minute", "1000");
        hubProps.put("hub.feed.token", FEED_TOKEN);
        int hubPort = PayaraMicroProcess.freePort();
        hubProps.put("hub.public-url", "http://127.0.0.1:" + hubPort);
        hub = new PayaraMicroProcess(root.resolve("target/payara-micro.jar"), root.resolve("hub-server/target/hub-server.war"),
                hubPort, work.resolve("hub.log"), hubProps).start();
        hubApi = new HttpJson(hub.baseUrl());
        if (withGateway) {
            // Throughput runs use an accept-all handler: the validating one checks the provider token's ES256
            // signature on every notification and would measure the mock, not the gateway. The tests use it.
            apns = Boolean.getBoolean("bench.apns.validating") ? MockApnsFixture.start()
                    : MockApnsFixture.start(MockApnsFixture.DEFAULT_TOPIC, new com.eatthepath.pushy.apns.server.AcceptAllPushNotificationHandlerFactory());
            Path p8 = apns.writeFiles(work.resolve("apns"));
            Map<String, String> gw = new HashMap<>();
            gw.put("gateway.db.url", DB_SERVER + gatewayDb);
            gw.put("gateway.db.user", DB_USER);
            gw.put("gateway.db.password", DB_PASSWORD);
            gw.put("gateway.hub-url", hub.baseUrl().replaceAll("/$", ""));
            gw.put("gateway.hub-feed-token", FEED_TOKEN);
            gw.put("gateway.apns.key-file", p8.toString());
            gw.put("gateway.apns.team-id", apns.teamId());
            gw.put("gateway.apns.key-id", apns.keyId());
            gw.put("gateway.apns.topic", apns.topic());
            gw.put("gateway.apns.server", "127.0.0.1:" + apns.port());
            gw.put("gateway.apns.trust-cert-file", p8.getParent().resolve("apns-server.pem").toString());
            gateway = new PayaraMicroProcess(root.resolve("target/payara-micro.jar"), root.resolve("push-gateway/target/push-gateway.war"),
                    PayaraMicroProcess.freePort(), work.resolve("gateway.log"), gw).start();
            gatewayApi = new HttpJson(gateway.baseUrl());
        }
    }

    static Stack start(Path root, boolean withGateway) throws Exception {
        return new Stack(root, withGateway);
    }

    /** Registers and verifies a site; returns the verification answer (keys, management token). */
    Map<String, Object> registerSite(String path) {
        HttpJson.Answer created = hubApi.send("POST", "api/v1/sites", "{\"url\":\"" + site.baseUrl() + path
                + "\",\"name\":\"Bench\",\"contactEmail\":\"bench@example.org\",\"users\":100,\"activeUsers\":10}", null);
        if (created.status() != 201) {
            throw new IllegalStateException("registration failed: " + created);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> challenge = (Map<String, Object>) created.json().get("challenge");
        site.serve(URI.create((String) challenge.get("url")).getPath(), (String) challenge.get("content"));
        HttpJson.Answer verified = hubApi.send("POST", "api/v1/sites/" + created.get("siteId") + "/verification", null, null);
        if (verified.status() != 200) {
            throw new IllegalStateException("verification failed: " + verified);
        }
        return verified.json();
    }

    /**
     * Creates a hub admin with the documented command ({@code ./hub-admin create-admin}) and logs in.
     *
     * @return an admin session token
     */
    String adminSession() throws Exception {
        String password = "bench-" + UUID.randomUUID();
        ProcessBuilder pb = new ProcessBuilder(root.resolve("hub-admin").toString(), "create-admin", "bench")
                .directory(root.toFile()).redirectErrorStream(true);
        pb.environment().put("HUB_DB_URL", DB_SERVER + hubDb);
        pb.environment().put("HUB_DB_USER", DB_USER);
        pb.environment().put("HUB_DB_PASSWORD", DB_PASSWORD);
        Process p = pb.start();
        p.getOutputStream().write((password + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("hub-admin failed: " + out);
        }
        HttpJson.Answer login = hubApi.send("POST", "api/v1/admin/login", "{\"username\":\"bench\",\"password\":\"" + password + "\"}", null);
        if (login.status() != 200) {
            throw new IllegalStateException("admin login failed: " + login);
        }
        return login.get("token");
    }

    /** Inserts confirmed APNs device tokens for a site straight into the gateway's database (set-up, not measured). */
    List<String> seedTokens(String siteId, int count) throws Exception {
        List<String> tokens = new ArrayList<>(count);
        try (Connection c = DriverManager.getConnection(DB_SERVER + gatewayDb, DB_USER, DB_PASSWORD)) {
            c.setAutoCommit(false);
            try (PreparedStatement st = c.prepareStatement("insert into device_token (site_id, token, platform, device, confirmed, created_at, confirmed_at) values (?, ?, 'APNS', 'ios', true, ?, ?)")) {
                Timestamp now = Timestamp.from(Instant.now());
                for (int i = 0; i < count; i++) {
                    String token = MockApnsFixture.randomToken();
                    apns.registerDeviceToken(apns.topic(), token);
                    tokens.add(token);
                    st.setString(1, siteId);
                    st.setString(2, token);
                    st.setTimestamp(3, now);
                    st.setTimestamp(4, now);
                    st.addBatch();
                    if (i % 5000 == 4999) {
                        st.executeBatch();
                    }
                }
                st.executeBatch();
            }
            c.commit();
        }
        return tokens;
    }

    private static String fresh(String prefix) throws Exception {
        String name = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = DriverManager.getConnection(DB_SERVER, DB_USER, DB_PASSWORD); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
        return name;
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        hub.close();
        if (apns != null) {
            apns.close();
        }
        site.close();
    }

}
