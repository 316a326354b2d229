package net.moodlepushhub.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * The system an integration test runs against, started in one place: the stand-in Moodle site, Pushy's
 * MockApnsServer, optionally the fake FCM, the hub in its own Payara Micro on a fresh MariaDB database, and
 * (unless the test deploys the gateway itself) the gateway in a second Payara Micro on its own fresh database.
 * It replaces what every gateway IT used to repeat: recreate the databases, write the APNs files, wire the hub
 * and the gateway to each other ({@link StackConfig}), and register sites to get their keys.
 *
 * <pre>
 * try (TestStack stack = TestStack.builder("my-it")
 *         .hubDb(System.getProperty("it.hub.db.url")).gatewayDb(System.getProperty("it.db.url"))
 *         .gatewayProperty("gateway.delivery.max-attempts", "3")
 *         .start()) {
 *     TestStack.RegisteredSite site = stack.registerSite();
 *     stack.gateway().send("GET", "api/v1/deliveries", null, site.siteKey());
 * }
 * </pre>
 *
 * <p>Defaults come from the system properties the modules' failsafe configuration sets ({@code payara.microJar},
 * {@code hub.war}, {@code gateway.war}, {@code it.db.user}, {@code it.db.password}, {@code it.work.dir},
 * {@code it.site.port}), so the database suffix ({@code -Dit.db.suffix}) and the site port keep working: the suffix
 * is already part of the database URLs the test passes in.
 */
public final class TestStack implements AutoCloseable {

    /**
     * A site registered and verified on the hub, with its keys.
     *
     * @param id              the hub's site id
     * @param url             the site's URL (on the stand-in site)
     * @param moodleSiteId    the {@code moodleSiteId} it registered with ({@code md5} of something unique)
     * @param siteKey         the site key (scope send, tokens)
     * @param deviceKey       the device key (scope tokens:register)
     * @param moodleKey       the access key in the form Moodle's AirNotifier plugin sends it
     * @param managementToken the management token of the site's admin
     */
    public record RegisteredSite(String id, String url, String moodleSiteId, String siteKey, String deviceKey, String moodleKey,
                                 String managementToken) {
    }

    private final Builder config;
    private final Path work;
    private StandInSite site;
    private MockApnsFixture apns;
    private FakeFcmServer fcm;
    private PayaraMicroProcess hubProcess;
    private final List<PayaraMicroProcess> hubProcesses = new ArrayList<>();
    private PayaraMicroProcess gatewayProcess;
    private HttpJson hub;
    private HttpJson gateway;
    private Map<String, String> gatewayProperties;
    private String adminToken;

    private TestStack(Builder config) {
        this.config = config;
        this.work = config.work;
    }

    /**
     * @param name names the working directory ({@code <it.work.dir>/<name>}) where logs and key files go
     * @return a builder with the defaults described on the class
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Configures a {@link TestStack}; {@link #start()} starts it. */
    public static final class Builder {
        private final String name;
        private Path work;
        private String hubDb;
        private String gatewayDb;
        private String dbUser = System.getProperty("it.db.user", "root");
        private String dbPassword = System.getProperty("it.db.password", "");
        private String feedToken;
        private Path microJar = pathProperty("payara.microJar");
        private Path hubWar = pathProperty("hub.war");
        private Path gatewayWar = pathProperty("gateway.war");
        private int sitePort = Integer.getInteger("it.site.port", 0);
        private boolean fcm;
        private boolean startGateway = true;
        private Duration apnsAnswerDelay;
        private int hubs = 1;
        private final Map<String, String> hubProperties = new LinkedHashMap<>();
        private final Map<String, String> gatewayProperties = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = name;
            this.work = Path.of(System.getProperty("it.work.dir", "target"), name);
            this.feedToken = name + "-feed-token";
        }

        /** @param jdbcUrl the hub's database (recreated empty on start) @return this */
        public Builder hubDb(String jdbcUrl) {
            this.hubDb = jdbcUrl;
            return this;
        }

        /** @param jdbcUrl the gateway's database (recreated empty on start) @return this */
        public Builder gatewayDb(String jdbcUrl) {
            this.gatewayDb = jdbcUrl;
            return this;
        }

        /** @param dir where logs and key files go @return this */
        public Builder work(Path dir) {
            this.work = dir;
            return this;
        }

        /** @param port the stand-in site's port (0: any free one) @return this */
        public Builder sitePort(int port) {
            this.sitePort = port;
            return this;
        }

        /** Starts the fake FCM too and points the gateway at it. @return this */
        public Builder withFcm() {
            this.fcm = true;
            return this;
        }

        /**
         * The mock APNs holds each answer this long (to keep many notifications in flight).
         *
         * @param delay per answer, per connection
         * @return this
         */
        public Builder apnsAnswerDelay(Duration delay) {
            this.apnsAnswerDelay = delay;
            return this;
        }

        /**
         * Starts {@code count} hubs on the one hub database, one after the other (the first migrates it), all
         * publishing the first one's URL as their issuer (a load balancer's, in production); the gateway lists them
         * all in {@code gateway.hub-url}.
         *
         * @param count how many hubs (1 by default)
         * @return this
         */
        public Builder hubs(int count) {
            this.hubs = count;
            return this;
        }

        /**
         * Leaves the gateway to the test (e.g. an Arquillian deployment): {@link TestStack#gatewayProperties()} and
         * {@link TestStack#writeGatewayProperties(Path)} give it its configuration.
         *
         * @return this
         */
        public Builder withoutGateway() {
            this.startGateway = false;
            return this;
        }

        /** @param key a hub MicroProfile Config property @param value its value @return this */
        public Builder hubProperty(String key, String value) {
            hubProperties.put(key, value);
            return this;
        }

        /** @param key a gateway MicroProfile Config property @param value its value @return this */
        public Builder gatewayProperty(String key, String value) {
            gatewayProperties.put(key, value);
            return this;
        }

        /**
         * Starts everything, in dependency order; on failure, stops what did start.
         *
         * @return the running stack
         */
        public TestStack start() {
            if (hubDb == null || (startGateway && gatewayDb == null)) {
                throw new IllegalStateException("hubDb and gatewayDb are required");
            }
            TestStack stack = new TestStack(this);
            try {
                stack.startAll();
                return stack;
            } catch (RuntimeException | Error e) {
                stack.close();
                throw e;
            } catch (Exception e) {
                stack.close();
                throw new IllegalStateException("the test stack " + name + " did not start", e);
            }
        }

        private static Path pathProperty(String name) {
            String value = System.getProperty(name);
            return value == null ? null : Path.of(value);
        }
    }

    private void startAll() throws Exception {
        MariaDbDatabases.recreate(config.hubDb, config.dbUser, config.dbPassword);
        if (config.gatewayDb != null) {
            MariaDbDatabases.recreate(config.gatewayDb, config.dbUser, config.dbPassword);
        }
        Files.createDirectories(work);
        site = new StandInSite(config.sitePort);
        apns = config.apnsAnswerDelay == null ? MockApnsFixture.start() : MockApnsFixture.startDelayed(config.apnsAnswerDelay);
        apns.writeFiles(work);
        if (config.fcm) {
            fcm = FakeFcmServer.start();
        }
        int hubPort = PayaraMicroProcess.freePort();
        Map<String, String> hubConfig = StackConfig.hub(config.hubDb, config.dbUser, config.dbPassword, hubPort, site, config.feedToken);
        hubConfig.putAll(config.hubProperties);
        // Kept before starting, so that close() ends a process that failed to get ready.
        hubProcess = new PayaraMicroProcess(config.microJar, config.hubWar, hubPort, work.resolve("hub.log"), hubConfig);
        hubProcesses.add(hubProcess);
        hubProcess.start();
        hub = new HttpJson(hubProcess.baseUrl());
        StringBuilder hubUrls = new StringBuilder(hubProcess.baseUrl());
        for (int i = 2; i <= config.hubs; i++) {
            PayaraMicroProcess another = new PayaraMicroProcess(config.microJar, config.hubWar, PayaraMicroProcess.freePort(),
                    work.resolve("hub" + i + ".log"), hubConfig);
            hubProcesses.add(another);
            another.start();
            hubUrls.append(',').append(another.baseUrl());
        }

        gatewayProperties = new LinkedHashMap<>(StackConfig.gateway(config.gatewayDb, config.dbUser, config.dbPassword,
                hubUrls.toString(), config.feedToken, apns, work));
        if (fcm != null) {
            Path serviceAccount = work.resolve("fcm-service-account.json");
            Files.writeString(serviceAccount, fcm.serviceAccountJson());
            gatewayProperties.put("gateway.fcm.service-account-file", serviceAccount.toString());
            gatewayProperties.put("gateway.fcm.base-url", fcm.baseUrl());
            gatewayProperties.put("gateway.fcm.token-uri", fcm.tokenUri());
        }
        gatewayProperties.putAll(config.gatewayProperties);
        if (config.startGateway) {
            gatewayProcess = new PayaraMicroProcess(config.microJar, config.gatewayWar, PayaraMicroProcess.freePort(),
                    work.resolve("gateway.log"), gatewayProperties);
            gatewayProcess.start();
            gateway = new HttpJson(gatewayProcess.baseUrl());
        }
    }

    /**
     * Writes the gateway's configuration as a properties file (what Payara Micro's {@code --systemproperties}
     * reads), for a test that deploys the gateway itself.
     *
     * @param file where to write it
     */
    public void writeGatewayProperties(Path file) {
        Properties p = new Properties();
        p.putAll(gatewayProperties);
        try {
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                p.store(out, "written by TestStack " + config.name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Registers a site on the hub as its admin does (the challenge served by the stand-in site) and verifies it.
     *
     * @return the site and its keys
     */
    public RegisteredSite registerSite() {
        return registerSite(Map.of());
    }

    /**
     * @param extras registration members that add to or override the defaults (name, users, activeUsers, a unique
     *               moodleSiteId)
     * @return the site and its keys
     */
    public RegisteredSite registerSite(Map<String, Object> extras) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "IT Moodle");
        body.put("users", 120);
        body.put("activeUsers", 40);
        body.put("moodleSiteId", md5("site-" + UUID.randomUUID()));
        body.putAll(extras);
        String url = site.baseUrl() + "/moodle-" + UUID.randomUUID();
        Map<String, Object> v = SiteRegistrar.registerAndVerify(hub, site, url, body);
        return new RegisteredSite((String) v.get("siteId"), url, (String) body.get("moodleSiteId"), (String) v.get("siteKey"),
                (String) v.get("deviceKey"), (String) v.get("moodleAccessKey"), (String) v.get("managementToken"));
    }

    /**
     * An operator's session on the hub (created once with {@code hub-admin create-admin}, then reused).
     *
     * @return a bearer token for the hub's admin API
     * @throws Exception when the command or the login fails
     */
    public synchronized String adminToken() throws Exception {
        if (adminToken == null) {
            adminToken = HubAdmin.createAndLogin(config.microJar.getParent().getParent(), config.hubDb, config.dbUser, config.dbPassword, hub);
        }
        return adminToken;
    }

    /** @return the stand-in Moodle site */
    public StandInSite site() {
        return site;
    }

    /** @return the mock APNs */
    public MockApnsFixture apns() {
        return apns;
    }

    /** @return the fake FCM ({@code null} unless {@link Builder#withFcm()}) */
    public FakeFcmServer fcm() {
        return fcm;
    }

    /** @return the hub's process */
    public PayaraMicroProcess hubProcess() {
        return hubProcess;
    }

    /** @return every hub's process, the first one first (see {@link Builder#hubs(int)}) */
    public List<PayaraMicroProcess> hubProcesses() {
        return List.copyOf(hubProcesses);
    }

    /** @return the hub's API */
    public HttpJson hub() {
        return hub;
    }

    /** @return the gateway's process ({@code null} after {@link Builder#withoutGateway()}) */
    public PayaraMicroProcess gatewayProcess() {
        return gatewayProcess;
    }

    /** @return the gateway's API ({@code null} after {@link Builder#withoutGateway()}) */
    public HttpJson gateway() {
        return gateway;
    }

    /** @return the gateway's configuration (a copy) */
    public Map<String, String> gatewayProperties() {
        return new LinkedHashMap<>(gatewayProperties);
    }

    /** @return the hub's database */
    public String hubDbUrl() {
        return config.hubDb;
    }

    /** @return the gateway's database */
    public String gatewayDbUrl() {
        return config.gatewayDb;
    }

    /** @return the database user */
    public String dbUser() {
        return config.dbUser;
    }

    /** @return the database password */
    public String dbPassword() {
        return config.dbPassword;
    }

    /** @return where logs and key files are */
    public Path work() {
        return work;
    }

    /** @return the Payara Micro launcher */
    public Path microJar() {
        return config.microJar;
    }

    /**
     * @param sql a {@code select count(*)} on the gateway's database
     * @param args its parameters
     * @return the count
     */
    public long countInGateway(String sql, Object... args) {
        return MariaDbDatabases.count(config.gatewayDb, config.dbUser, config.dbPassword, sql, args);
    }

    /**
     * @param sql a {@code select count(*)} on the hub's database
     * @param args its parameters
     * @return the count
     */
    public long countInHub(String sql, Object... args) {
        return MariaDbDatabases.count(config.hubDb, config.dbUser, config.dbPassword, sql, args);
    }

    /**
     * @param s text
     * @return its MD5 in hexadecimal (how Moodle's AirNotifier plugin names a site)
     */
    public static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the gateway, the hub and the peers, in that order. */
    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>();
        all.add(gatewayProcess);
        for (int i = hubProcesses.size() - 1; i >= 0; i--) {
            all.add(hubProcesses.get(i));
        }
        all.add(fcm);
        all.add(apns);
        all.add(site);
        StackConfig.closeAll(all.toArray(AutoCloseable[]::new));
    }

    @Override
    public String toString() {
        return "TestStack " + config.name + " (hub " + (hubProcess == null ? "-" : hubProcess.baseUrl()) + ", gateway "
                + (gatewayProcess == null ? "-" : gatewayProcess.baseUrl()) + ")";
    }
}
