package net.moodlepushhub.hub;

import net.moodlepushhub.db.DatabaseSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Builds the hub's parts outside the container for tests of its transactions: settings with the values the
 * container would inject, and database settings for the embedded H2 (what {@code ./run} uses) or MariaDB.
 */
public final class TestHub {

    private TestHub() {
    }

    /**
     * @param signingKeyRotation {@code hub.keys.signing-key-rotation}
     * @param keyLifetime        the site and device key lifetime
     * @param encryptionKey      {@code hub.keys.encryption-key} (base64), or null for none
     * @return settings; options not named keep no value
     */
    public static HubSettings settings(String signingKeyRotation, String keyLifetime, String encryptionKey) {
        HubSettings s = new HubSettings();
        s.signingKeyRotation = Duration.parse(signingKeyRotation);
        s.siteKeyLifetime = Duration.parse(keyLifetime);
        s.deviceKeyLifetime = Duration.parse(keyLifetime);
        s.encryptionKey = Optional.ofNullable(encryptionKey);
        s.encryptionKeyFile = Optional.empty();
        s.publicUrl = "http://hub.test";
        s.keyAudience = "moodle-push-gateway";
        return s;
    }

    /**
     * Settings for registrations outside the container: {@link #settings} plus the challenge, verifier and quota
     * options with the values the tests need.
     *
     * @param encryptionKey {@code hub.keys.encryption-key} (base64)
     * @param sitePort      the port of the stand-in site the verifier may fetch from (on 127.0.0.1)
     * @param maxUsers      {@code hub.quota.max-users}
     * @return settings
     */
    public static HubSettings registrationSettings(String encryptionKey, int sitePort, int maxUsers) {
        HubSettings s = settings("PT1H", "PT1H", encryptionKey);
        s.challengeLifetime = java.time.Duration.ofHours(1);
        s.maxAttemptsPerMinute = 10;
        s.maxUsers = maxUsers;
        s.allowPrivateNetworks = true;
        s.allowedPorts = "80,443," + sitePort;
        s.verifierConnectTimeout = java.time.Duration.ofSeconds(5);
        s.verifierTotalTimeout = java.time.Duration.ofSeconds(10);
        return s;
    }

    /**
     * @param dir a fresh directory
     * @return the embedded H2 database in MariaDB mode, exactly as the hub opens it without {@code hub.db.url}
     */
    public static DatabaseSettings h2(Path dir) {
        return new DatabaseSettings("", "", "", dir, "hub", 16);
    }

    /**
     * @param url      a MariaDB JDBC URL
     * @param user     user
     * @param password password
     * @return settings for it
     */
    public static DatabaseSettings mariaDb(String url, String user, String password) {
        return new DatabaseSettings(url, user, password, Path.of("target"), "hub", 16);
    }

    /**
     * Asserts that the call is refused with the problem {@code status}/{@code slug}: thrown as one, or as a domain
     * exception the way the hub's mapper renders it to clients.
     *
     * @param call   the service call
     * @param status the expected HTTP status
     * @param slug   the expected problem code
     */
    public static void assertProblem(Runnable call, int status, String slug) {
        org.assertj.core.api.Assertions.assertThatThrownBy(call::run).satisfies(thrown -> {
            net.moodlepushhub.common.problem.Problem p = thrown instanceof net.moodlepushhub.common.problem.ProblemException e ? e.problem()
                    : net.moodlepushhub.hub.web.HubExceptionMapper.problem((HubDomainException) thrown);
            org.assertj.core.api.Assertions.assertThat(p.status()).as(p.toString()).isEqualTo(status);
            org.assertj.core.api.Assertions.assertThat(p.slug()).isEqualTo(slug);
        });
    }
}
