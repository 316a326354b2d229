package net.moodlepushhub.bench;

import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HubAdmin;
import net.moodlepushhub.testsupport.MockApnsFixture;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.SiteRegistrar;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
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

    /** The gateway's JVM options: the default heap, plus {@code -Dbench.gateway.jvm="..."} (e.g. a JFR recording). */
    static final List<String> GATEWAY_JVM = gatewayJvm();

    private Stack(Path root, boolean withGateway, Map<String, String> gatewayExtra) throws Exception {
        this.root = root;
        Path work = root.resolve("bench/target/run");
        Files.createDirectories(work);
        site = new StandInSite(0);
        hubDb = fresh("mph_bench_hub");
        gatewayDb = fresh("mph_bench_gateway");
        int hubPort = PayaraMicroProcess.freePort();
        Map<String, String> hubProps = StackConfig.hub(DB_SERVER + hubDb, DB_USER, DB_PASSWORD, hubPort, site, FEED_TOKEN);
        hubProps.put("hub.challenge.max-attempts-per-minute", "1000");
        hub = new PayaraMicroProcess(root.resolve("target/payara-micro.jar"), root.resolve("hub-server/target/hub-server.war"),
                hubPort, work.resolve("hub.log"), hubProps).start();
        hubApi = new HttpJson(hub.baseUrl());
        try {
            startGateway(root, work, withGateway, gatewayExtra);
        } catch (Exception | Error e) {
            // A constructor that throws is never closed: stop what it started, so a failed start leaves no hub
            // (a Payara Micro that would join the next run's Hazelcast cluster) behind.
            close();
            throw e;
        }
    }

    private void startGateway(Path root, Path work, boolean withGateway, Map<String, String> gatewayExtra) throws Exception {
        if (withGateway) {
            // Throughput runs use an accept-all handler: the validating one checks the provider token's ES256
            // signature on every notification and would measure the mock, not the gateway. The tests use it.
            apns = Boolean.getBoolean("bench.apns.validating") ? MockApnsFixture.start()
                    : MockApnsFixture.start(MockApnsFixture.DEFAULT_TOPIC, new com.eatthepath.pushy.apns.server.AcceptAllPushNotificationHandlerFactory());
            Path p8 = apns.writeFiles(work.resolve("apns"));
            Map<String, String> gw = StackConfig.gateway(DB_SERVER + gatewayDb, DB_USER, DB_PASSWORD, hub.baseUrl(), FEED_TOKEN, apns, p8.getParent());
            gw.putAll(gatewayExtra);
            gateway = new PayaraMicroProcess(root.resolve("target/payara-micro.jar"), root.resolve("push-gateway/target/push-gateway.war"),
                    PayaraMicroProcess.freePort(), work.resolve("gateway.log"), gw, GATEWAY_JVM).start();
            gatewayApi = new HttpJson(gateway.baseUrl());
        }
    }

    static Stack start(Path root, boolean withGateway) throws Exception {
        return new Stack(root, withGateway, Map.of());
    }

    static Stack start(Path root, boolean withGateway, Map<String, String> gatewayExtra) throws Exception {
        return new Stack(root, withGateway, gatewayExtra);
    }

    private static List<String> gatewayJvm() {
        List<String> options = new ArrayList<>(List.of("-Xmx512m"));
        String extra = System.getProperty("bench.gateway.jvm", "").trim();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return options;
    }

    /** @return the gateway's JVM options, as printed next to memory figures */
    String gatewayHeap() {
        return String.join(" ", GATEWAY_JVM);
    }

    /** @return the gateway process's resident set size in KiB (Linux), 0 when unknown */
    long gatewayRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + gateway.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux, or the process is gone
        }
        return 0;
    }

    /**
     * Inserts many confirmed APNs device tokens for a site straight into the gateway's database, in multi-row
     * statements (set-up for the registration benchmark at a million devices; not measured, not sent to).
     */
    void seedBulkTokens(String siteId, int count) throws Exception {
        try (Connection c = DriverManager.getConnection(DB_SERVER + gatewayDb, DB_USER, DB_PASSWORD); Statement st = c.createStatement()) {
            String now = "'" + Timestamp.from(Instant.now()) + "'";
            java.security.SecureRandom random = new java.security.SecureRandom();
            byte[] b = new byte[32];
            for (int from = 0; from < count; from += 2000) {
                StringBuilder sql = new StringBuilder("insert into device_token (site_id, token, platform, device, confirmed, created_at, confirmed_at) values ");
                for (int i = from; i < Math.min(count, from + 2000); i++) {
                    random.nextBytes(b);
                    sql.append(i == from ? "" : ",").append("('").append(siteId).append("','").append(java.util.HexFormat.of().formatHex(b))
                            .append("','APNS','ios',true,").append(now).append(',').append(now).append(')');
                }
                st.executeUpdate(sql.toString());
            }
        }
    }

    /** @return a connection to the MariaDB server itself, no database selected (create, drop, server variables) */
    private static Connection server() throws java.sql.SQLException {
        return DriverManager.getConnection(DB_SERVER, DB_USER, DB_PASSWORD);
    }

    /**
     * @return MariaDB's InnoDB buffer pool in MiB: whether a million devices' index fits in memory decides how
     *         registration scales with the device count
     */
    long bufferPoolMiB() throws Exception {
        try (Connection c = server(); Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("select @@innodb_buffer_pool_size")) {
            rs.next();
            return rs.getLong(1) / (1024 * 1024);
        }
    }

    /** Registers and verifies a site; returns the verification answer (keys, management token). */
    Map<String, Object> registerSite(String path) {
        return SiteRegistrar.registerAndVerify(hubApi, site, site.baseUrl() + path, Map.of());
    }

    /** @return an admin session, for an operator created with the documented {@code ./hub-admin} command */
    String adminSession() throws Exception {
        return HubAdmin.createAndLogin(root, DB_SERVER + hubDb, DB_USER, DB_PASSWORD, hubApi);
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
        try (Connection c = server(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        }
        return name;
    }

    @Override
    public void close() {
        StackConfig.closeAll(gateway, hub, apns, site);
        // A million-device run leaves 400 MB behind; -Dbench.keep-databases=true keeps them for a look afterwards.
        if (!Boolean.getBoolean("bench.keep-databases")) {
            try (Connection c = server(); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + gatewayDb);
                st.execute("DROP DATABASE IF EXISTS " + hubDb);
            } catch (Exception e) {
                System.err.println("dropping the benchmark's databases failed: " + e);
            }
        }
    }

}
