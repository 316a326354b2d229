package net.moodlepushhub.gateway.tokens;

import com.zaxxer.hikari.HikariDataSource;
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.db.Database;
import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.db.Schema;
import net.moodlepushhub.gateway.GatewaySettings;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.persistence.GatewayDatabaseAccess;
import net.moodlepushhub.gateway.quota.Limit;
import net.moodlepushhub.gateway.quota.RateLimiter;
import net.moodlepushhub.gateway.quota.SiteLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The device-token service on its own, without HTTP: the real {@link DeviceTokens} with the real queue SQL on the
 * embedded database the gateway runs on ({@code ./run}), the real rate limiter (per instance, as without a
 * cluster), and the hub's answers (device cap, registration limit) given by the test.
 */
class DeviceTokensTest {

    static final String SITE = "site-1";
    static final String APNS_TOKEN = "a".repeat(64);

    @TempDir
    Path dir;

    HikariDataSource ds;
    DeviceTokens tokens;
    final AtomicLong maxDevices = new AtomicLong(1000);
    final AtomicLong registrationsPerMinute = new AtomicLong(1000);
    final AtomicBoolean legacyCreateConfirmed = new AtomicBoolean(true);

    @BeforeEach
    void open() {
        ds = Database.open(new DatabaseSettings("", "", "", dir, "gateway", 4));
        Database.migrate(ds, Schema.GATEWAY);
        GatewayDatabase db = GatewayDatabaseAccess.of(ds);
        GatewaySettings settings = new GatewaySettings() {
            @Override
            public boolean legacyCreateConfirmed() {
                return legacyCreateConfirmed.get();
            }

            @Override
            public Duration tokenCountRefresh() {
                return Duration.ofMinutes(1);
            }
        };
        tokens = new DeviceTokens();
        tokens.db = db;
        tokens.settings = settings;
        tokens.limiter = new RateLimiter();
        tokens.limits = new SiteLimits() {
            @Override
            public long maxDevices(String siteId) {
                return maxDevices.get();
            }

            @Override
            public Limit tokenRegistrationsPerMinute() {
                return new Limit("token-registrations-minute", registrationsPerMinute.get(), Duration.ofMinutes(1));
            }
        };
        tokens.counts = new DeviceCounts();
        tokens.counts.db = db;
        tokens.counts.settings = settings;
        tokens.counts.start();
    }

    @AfterEach
    void close() {
        ds.close();
    }

    @Test
    void aSiteKeyCreatesAConfirmedTokenOnceAndThenFindsItThere() throws Exception {
        assertThat(tokens.register(SITE, APNS_TOKEN, "ios", true)).isEqualTo(DeviceTokens.Result.CREATED);
        assertThat(tokens.register(SITE, APNS_TOKEN, "ios", true)).isEqualTo(DeviceTokens.Result.EXISTS);
        assertThat(count("select count(*) from device_token where site_id = 'site-1' and confirmed = true")).isEqualTo(1);
        // Another site's binding of the same token is its own.
        assertThat(tokens.register("site-2", APNS_TOKEN, "ios", true)).isEqualTo(DeviceTokens.Result.CREATED);
    }

    @Test
    void aDeviceKeysTokenIsUnconfirmedUntilTheSiteKeyRegistersItToo() throws Exception {
        assertThat(tokens.register(SITE, APNS_TOKEN, "ios", false)).isEqualTo(DeviceTokens.Result.CREATED);
        assertThat(count("select count(*) from device_token where confirmed = false")).isEqualTo(1);
        assertThat(tokens.register(SITE, APNS_TOKEN, "ios", false)).as("the device again").isEqualTo(DeviceTokens.Result.EXISTS);
        assertThat(tokens.register(SITE, APNS_TOKEN, "ios", true)).as("confirmed by the site").isEqualTo(DeviceTokens.Result.CREATED);
        assertThat(count("select count(*) from device_token where confirmed = true")).isEqualTo(1);
        assertThat(tokens.register(SITE, APNS_TOKEN, "ios", true)).isEqualTo(DeviceTokens.Result.EXISTS);
    }

    @Test
    void withoutLegacyCreationASiteKeyOnlyConfirmsWhatADeviceRegistered() {
        legacyCreateConfirmed.set(false);
        assertThatThrownBy(() -> tokens.register(SITE, APNS_TOKEN, "ios", true))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(404));
        tokens.register(SITE, APNS_TOKEN, "ios", false);
        assertThat(tokens.register(SITE, APNS_TOKEN, "ios", true)).isEqualTo(DeviceTokens.Result.CREATED);
    }

    @Test
    void malformedTokensAndUnknownDevicesAreRefusedAndWriteNothing() throws Exception {
        assertThatThrownBy(() -> tokens.register(SITE, "not hex", "ios", true)).isInstanceOf(ProblemException.class);
        assertThatThrownBy(() -> tokens.register(SITE, APNS_TOKEN, "windows-phone", true)).isInstanceOf(ProblemException.class);
        assertThatThrownBy(() -> tokens.register(SITE, APNS_TOKEN, " ", true)).isInstanceOf(ProblemException.class);
        assertThat(count("select count(*) from device_token")).isZero();
    }

    @Test
    void theDeviceCapRefusesANewTokenButNotOneTheSiteHasAlready() throws Exception {
        maxDevices.set(2);
        tokens.register(SITE, hex(1), "ios", true);
        tokens.register(SITE, hex(2), "ios", true);
        assertThatThrownBy(() -> tokens.register(SITE, hex(3), "ios", true))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(403));
        assertThat(tokens.register(SITE, hex(2), "ios", true)).isEqualTo(DeviceTokens.Result.EXISTS);
        // Deleting one makes room at once (the count follows this instance's own changes).
        tokens.delete(SITE, hex(1));
        assertThat(tokens.register(SITE, hex(3), "ios", true)).isEqualTo(DeviceTokens.Result.CREATED);
        assertThat(count("select count(*) from device_token where site_id = 'site-1'")).isEqualTo(2);
    }

    @Test
    void theRegistrationLimitAnswers429WithRetryAfter() {
        registrationsPerMinute.set(3);
        for (int i = 0; i < 3; i++) {
            tokens.register(SITE, hex(i), "ios", true);
        }
        assertThatThrownBy(() -> tokens.register(SITE, hex(9), "ios", true))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(429);
                    assertThat(e.problem().headers()).containsKey("Retry-After");
                });
    }

    @Test
    void deletingATokenTheSiteDoesNotHaveIs404() {
        assertThatThrownBy(() -> tokens.delete(SITE, APNS_TOKEN))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().status()).isEqualTo(404));
    }

    @Test
    void concurrentRegistrationsOfTheSameTokensCreateEachOnceAndNeverFail() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<DeviceTokens.Result>> results = new java.util.ArrayList<>();
            for (int round = 0; round < 8; round++) {
                for (int i = 0; i < 50; i++) {
                    String token = hex(i);
                    results.add(threads.submit(() -> tokens.register(SITE, token, "ios", true)));
                }
            }
            long created = 0;
            for (Future<DeviceTokens.Result> f : results) {
                if (f.get(30, TimeUnit.SECONDS) == DeviceTokens.Result.CREATED) {
                    created++;
                }
            }
            assertThat(created).as("each token created exactly once").isEqualTo(50);
            assertThat(count("select count(*) from device_token")).isEqualTo(50);
        } finally {
            threads.shutdownNow();
        }
    }

    static String hex(int i) {
        return String.format("%064x", i);
    }

    long count(String sql) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
