package net.moodlepushhub.hub.keys;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import net.moodlepushhub.common.keys.KeyEncryption;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.TestHub;
import net.moodlepushhub.hub.persistence.HubDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Signing-key rotation in a running hub and the encryption of private keys at rest: the real {@link SigningKeys}
 * on the real schema (embedded H2 in MariaDB mode), with a clock the test moves forward instead of waiting.
 */
class SigningKeysTest {

    static final Duration ROTATION = Duration.ofSeconds(20);
    static final Duration KEY_LIFETIME = Duration.ofHours(1);

    @TempDir
    Path dir;

    HubDatabase db;
    MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    String kek = KeyEncryption.generateBase64();

    @BeforeEach
    void open() {
        db = new HubDatabase();
        db.open(TestHub.h2(dir));
    }

    @AfterEach
    void close() {
        db.stop();
    }

    SigningKeys hub(String encryptionKey) {
        SigningKeys keys = new SigningKeys();
        keys.db = db;
        keys.settings = TestHub.settings(ROTATION.toString(), KEY_LIFETIME.toString(), encryptionKey);
        keys.clock = clock;
        return keys;
    }

    @Test
    void aRunningHubSignsWithANewKidOnceTheActiveKeyIsOlderThanTheRotationPeriod() throws Exception {
        SigningKeys keys = hub(kek);
        String first = keys.start().kid();
        String before = sign(keys);

        clock.advance(ROTATION.minusSeconds(1));
        assertThat(keys.active().kid()).as("still within the rotation period").isEqualTo(first);

        clock.advance(Duration.ofSeconds(2));
        String second = keys.active().kid();
        assertThat(second).as("rotated").isNotEqualTo(first);
        String after = sign(keys);

        // Both the key signed before and the one signed after verify against the published keys.
        JWKSet published = keys.publicKeys();
        assertThat(kids(published)).containsExactlyInAnyOrder(first, second);
        assertThat(verifies(before, published)).isTrue();
        assertThat(verifies(after, published)).isTrue();

        // The retired key stays published until what it signed has expired (a key signed just before the
        // rotation lives KEY_LIFETIME) and a grace for keys signed while the rotation committed, then disappears.
        clock.advance(KEY_LIFETIME.plus(SigningKeys.RETIREMENT_GRACE).minusSeconds(1));
        assertThat(kids(keys.publicKeys())).contains(first);
        clock.advance(ROTATION.plusSeconds(2));
        assertThat(kids(keys.publicKeys())).doesNotContain(first);
        // and the active key rotated again meanwhile; only fresh keys are published now
        assertThat(kids(keys.publicKeys())).doesNotContain(first).isNotEmpty();
    }

    @Test
    void whileOneCallerRotatesTheOthersKeepSigningWithTheOutgoingKeyInsteadOfWaiting() throws Exception {
        SigningKeys keys = hub(kek);
        String first = keys.start().kid();
        clock.advance(ROTATION.plusSeconds(1));
        ExecutorService rotating = Executors.newSingleThreadExecutor();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            // Another caller is in the middle of rotating (holding a connection, waiting for a second one).
            Future<?> rotator = rotating.submit(() -> {
                keys.rotation.lock();
                try {
                    holding.countDown();
                    release.await();
                } finally {
                    keys.rotation.unlock();
                }
                return null;
            });
            holding.await(10, TimeUnit.SECONDS);
            assertThat(keys.active().kid()).as("a caller meeting a rotation in progress signs with the key it has").isEqualTo(first);
            release.countDown();
            rotator.get(10, TimeUnit.SECONDS);
        } finally {
            rotating.shutdownNow();
        }
        assertThat(keys.active().kid()).as("the next caller rotates").isNotEqualTo(first);
    }

    @Test
    void twoHubsFindingTheKeyTooOldAtOnceCreateOneNewKey() throws Exception {
        SigningKeys a = hub(kek);
        SigningKeys b = hub(kek);
        String initial = a.start().kid();
        assertThat(b.start().kid()).as("the second hub adopts the first one's key").isEqualTo(initial);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 1; round <= 5; round++) {
                clock.advance(ROTATION.plusSeconds(1));
                CyclicBarrier together = new CyclicBarrier(2);
                Future<String> fa = threads.submit(() -> {
                    together.await();
                    return a.active().kid();
                });
                Future<String> fb = threads.submit(() -> {
                    together.await();
                    return b.active().kid();
                });
                String ka = fa.get(30, TimeUnit.SECONDS);
                String kb = fb.get(30, TimeUnit.SECONDS);
                assertThat(ka).as("round " + round).isEqualTo(kb);
                assertThat(count("select count(*) from signing_key where retired_at is null")).as("active keys").isEqualTo(1);
                assertThat(count("select count(*) from signing_key")).as("keys created").isEqualTo(round + 1);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void privateKeysAreStoredEncryptedAndKeysFromBeforeAreEncryptedAtStart() throws Exception {
        // A key stored in clear by an earlier version of the hub.
        ECKey old = new ECKeyGenerator(Curve.P_256).keyID("hub-old").algorithm(SigningKeys.ALGORITHM).generate();
        try (Connection c = db.dataSource().getConnection();
             PreparedStatement insert = c.prepareStatement("insert into signing_key (kid, algorithm, private_jwk, public_jwk, created_at) values (?, ?, ?, ?, ?)")) {
            insert.setString(1, old.getKeyID());
            insert.setString(2, "ES256");
            insert.setString(3, old.toJSONString());
            insert.setString(4, old.toPublicJWK().toJSONString());
            insert.setTimestamp(5, Timestamp.from(clock.instant()));
            insert.executeUpdate();
        }

        SigningKeys keys = hub(kek);
        assertThat(keys.start().kid()).as("the old key is still the active one").isEqualTo(old.getKeyID());
        clock.advance(ROTATION.plusSeconds(1));
        String fresh = keys.active().kid();

        List<String[]> rows = rows();
        assertThat(rows).hasSize(2);
        for (String[] row : rows) {
            assertThat(row[1]).as(row[0]).startsWith(KeyEncryption.PREFIX).doesNotContain("\"d\"");
            // Readable through the same decryption the hub uses, and only with the right KEK and kid.
            ECKey decrypted = ECKey.parse(KeyEncryption.fromBase64(kek).decrypt(row[1], row[0]));
            assertThat(decrypted.isPrivate()).isTrue();
            assertThatThrownBy(() -> KeyEncryption.fromBase64(KeyEncryption.generateBase64()).decrypt(row[1], row[0]))
                    .isInstanceOf(KeyEncryption.WrongKeyException.class);
            assertThatThrownBy(() -> KeyEncryption.fromBase64(kek).decrypt(row[1], "another-kid"))
                    .isInstanceOf(KeyEncryption.WrongKeyException.class);
        }
        assertThat(rows.stream().map(r -> r[0])).containsExactlyInAnyOrder(old.getKeyID(), fresh);
    }

    @Test
    void theHubRefusesToStartWithoutItsKeyEncryptionKeyOrWithAnotherOne() throws Exception {
        hub(kek).start();

        assertThatThrownBy(() -> hub(null).start()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("No key-encryption key").hasMessageContaining("HUB_KEYS_ENCRYPTION_KEY_FILE");
        assertThatThrownBy(() -> hub(KeyEncryption.generateBase64()).start()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not decrypt the stored signing key").hasMessageNotContaining(kek);
        assertThatThrownBy(() -> hub("dG9vIHNob3J0").start()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("must be 32 bytes");
        assertThat(hub(kek).start().kid()).as("the right key still works").isNotBlank();
    }

    @Test
    void theKeyEncryptionKeyCanComeFromAFile() throws Exception {
        Path file = dir.resolve("kek");
        Files.writeString(file, kek + "\n");
        KeyEncryption fromFile = SigningKeys.loadEncryption(Optional.of(file.toString()), Optional.empty());
        String sealed = KeyEncryption.fromBase64(kek).encrypt("secret", "kid");
        assertThat(fromFile.decrypt(sealed, "kid")).isEqualTo("secret");
        assertThatThrownBy(() -> SigningKeys.loadEncryption(Optional.of(file.toString()), Optional.of(kek)))
                .hasMessageContaining("set only one");
        assertThatThrownBy(() -> SigningKeys.loadEncryption(Optional.of(dir.resolve("missing").toString()), Optional.empty()))
                .hasMessageContaining("Cannot read the key-encryption key");
    }

    String sign(SigningKeys keys) throws Exception {
        SigningKeys.Active active = keys.active();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(SigningKeys.ALGORITHM).keyID(active.kid())
                .type(new JOSEObjectType("mph-site+jwt")).build(), new JWTClaimsSet.Builder().subject("s").build());
        jwt.sign(active.signer());
        return jwt.serialize();
    }

    static boolean verifies(String compact, JWKSet published) throws Exception {
        SignedJWT jwt = SignedJWT.parse(compact);
        ECKey key = (ECKey) published.getKeyByKeyId(jwt.getHeader().getKeyID());
        return key != null && jwt.verify(new ECDSAVerifier(key));
    }

    static Set<String> kids(JWKSet set) {
        Set<String> kids = new HashSet<>();
        set.getKeys().forEach(k -> kids.add(k.getKeyID()));
        return kids;
    }

    long count(String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    List<String[]> rows() throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); ResultSet rs = c.createStatement().executeQuery("select kid, private_jwk from signing_key")) {
            while (rs.next()) {
                rows.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        return rows;
    }

    /** A clock that stands still until the test moves it. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
