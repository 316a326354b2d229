package net.moodlepushhub.hub.registration;

import net.moodlepushhub.common.keys.KeyEncryption;
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.TestHub;
import net.moodlepushhub.hub.audit.AuditEntry;
import net.moodlepushhub.hub.audit.AuditForTests;
import net.moodlepushhub.hub.audit.AuditRecorded;
import net.moodlepushhub.hub.keys.HubKeysForTests;
import net.moodlepushhub.hub.keys.IssuedKey;
import net.moodlepushhub.hub.keys.RevocationEvent;
import net.moodlepushhub.hub.keys.RevocationFeed;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.quota.QuotaForTests;
import net.moodlepushhub.hub.verification.VerificationForTests;
import net.moodlepushhub.testsupport.StandInSite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static net.moodlepushhub.hub.TestHub.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * A site's registration without a container: the real {@link RegistrationService} with the real challenge
 * verifier (fetching from a stand-in site on 127.0.0.1), key issuer, revocation feed, quota policy and audit log
 * on the real schema (embedded H2 in MariaDB mode), through the public methods the registration API calls.
 */
class RegistrationServiceTest {

    static final int MAX_USERS = 10_000;

    @TempDir
    Path dir;

    HubDatabase db;
    RevocationFeed feed;
    RegistrationService registrations;
    StandInSite site;
    List<AuditRecorded> fired = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void open() throws Exception {
        site = new StandInSite(0);
        db = new HubDatabase();
        db.open(TestHub.h2(dir));
        HubSettings settings = TestHub.registrationSettings(KeyEncryption.generateBase64(), URI.create(site.baseUrl()).getPort(), MAX_USERS);
        feed = HubKeysForTests.feed(db);
        registrations = new RegistrationService();
        registrations.db = db;
        registrations.settings = settings;
        registrations.quota = QuotaForTests.policy(settings);
        registrations.usage = QuotaForTests.usage(db);
        registrations.keys = HubKeysForTests.issuer(db, settings, feed);
        registrations.verifier = VerificationForTests.verifier(settings);
        registrations.audit = AuditForTests.log(db, fired);
        registrations.lifecycle = LifecycleForTests.lifecycle(registrations.keys, feed, registrations.audit);
    }

    @AfterEach
    void close() {
        db.stop();
        site.close();
    }

    RegistrationRequest request(String url, int users, int activeUsers) {
        RegistrationRequest r = new RegistrationRequest();
        r.url = url;
        r.name = "Test site";
        r.contactEmail = "admin@example.org";
        r.users = users;
        r.activeUsers = activeUsers;
        return r;
    }

    String newUrl() {
        return site.baseUrl() + "/moodle-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Registers and serves the challenge, as the site's admin does. */
    Site registerAndServe(String url) {
        Site pending = registrations.register(request(url, 100, 10));
        site.serve(URI.create(pending.challenge().urlFor(pending.getUrl())).getPath(), pending.challenge().content());
        return pending;
    }

    Site stored(String id) {
        return db.inTransaction(em -> em.find(Site.class, id));
    }

    List<IssuedKey> keysOf(String siteId) {
        return db.inTransaction(em -> em.createQuery("select k from IssuedKey k where k.siteId = :s", IssuedKey.class)
                .setParameter("s", siteId).getResultList());
    }


    @Test
    void aSiteServingItsChallengeIsActivatedWithKeysAndAManagementToken() {
        Site pending = registerAndServe(newUrl());
        assertThat(pending.getStatus()).isEqualTo(SiteStatus.PENDING);
        assertThat(stored(pending.getId()).getStatus()).isEqualTo(SiteStatus.PENDING);

        RegistrationService.Credentials credentials = registrations.verify(pending.getId());
        assertThat(credentials.site().getStatus()).isEqualTo(SiteStatus.ACTIVE);
        assertThat(credentials.keys().siteKey()).isNotBlank();
        assertThat(credentials.keys().deviceKey()).isNotBlank();
        assertThat(credentials.managementToken()).isNotBlank();
        Site active = stored(pending.getId());
        assertThat(active.getStatus()).isEqualTo(SiteStatus.ACTIVE);
        assertThat(active.getLiveUrl()).isEqualTo(pending.getUrl());
        // Only the hash of the management token is kept.
        assertThat(active.getManagementTokenHash()).isNotBlank().isNotEqualTo(credentials.managementToken());
        assertThat(keysOf(pending.getId())).isNotEmpty().allMatch(k -> k.getRevokedAt() == null);
        assertThat(fired).extracting(AuditRecorded::action).containsExactly("register", "activate");

        assertProblem(() -> registrations.verify(pending.getId()), 409, "not-pending");
    }

    @Test
    void aSiteNotServingItsChallengeStaysPendingAndTheAttemptIsRecorded() {
        Site pending = registrations.register(request(newUrl(), 100, 10));
        assertThatThrownBy(() -> registrations.verify(pending.getId())).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.problem().status()).isEqualTo(422);
            assertThat(e.problem().slug()).startsWith("verification/");
            assertThat(e.problem().extensions()).containsKey("challengeUrl");
        });
        assertThat(stored(pending.getId()).getStatus()).isEqualTo(SiteStatus.PENDING);
        assertThat(keysOf(pending.getId())).isEmpty();
        long attempts = db.inTransaction(em -> em.createQuery("select count(a) from VerificationAttempt a where a.siteId = :s", Long.class)
                .setParameter("s", pending.getId()).getSingleResult());
        assertThat(attempts).isEqualTo(1);
    }

    @Test
    void theUserQuotaIsCheckedAtRegistration() {
        assertProblem(() -> registrations.register(request(newUrl(), MAX_USERS + 1, 10)), 403, "quota-exceeded");
        assertProblem(() -> registrations.register(request(newUrl(), 100, 101)), 422, "validation-failed");
        assertThat(registrations.register(request(newUrl(), MAX_USERS, MAX_USERS)).getStatus()).isEqualTo(SiteStatus.PENDING);
    }

    @Test
    void aVerifiedReRegistrationReplacesThePreviousSiteAndRevokesItsKeys() throws Exception {
        String url = newUrl();
        Site first = registerAndServe(url);
        registrations.verify(first.getId());
        List<IssuedKey> firstKeys = keysOf(first.getId());

        // The same URL registered again (a new admin, lost keys): nothing changes until it is verified too.
        Site second = registerAndServe(url);
        assertThat(stored(first.getId()).getStatus()).isEqualTo(SiteStatus.ACTIVE);
        registrations.verify(second.getId());

        assertThat(stored(first.getId()).getStatus()).isEqualTo(SiteStatus.REPLACED);
        assertThat(stored(second.getId()).getStatus()).isEqualTo(SiteStatus.ACTIVE);
        assertThat(keysOf(first.getId())).hasSameSizeAs(firstKeys).allMatch(k -> k.getRevokedAt() != null && "replaced".equals(k.getRevocationReason()));
        assertThat(keysOf(second.getId())).isNotEmpty().allMatch(k -> k.getRevokedAt() == null);
        List<RevocationEvent> events = feed.after(0, Duration.ZERO);
        assertThat(events).filteredOn(e -> RevocationEvent.SITE.equals(e.getSubjectType()))
                .extracting(RevocationEvent::getSubject, RevocationEvent::getAction).containsExactly(tuple(first.getId(), RevocationEvent.REVOKE));
        assertThat(events).filteredOn(e -> RevocationEvent.KEY.equals(e.getSubjectType())).extracting(RevocationEvent::getSubject)
                .containsExactlyInAnyOrderElementsOf(firstKeys.stream().map(IssuedKey::getJti).toList());
        List<AuditEntry> replaced = db.inTransaction(em -> em.createQuery("select a from AuditEntry a where a.subject = :s and a.action = 'replace'", AuditEntry.class)
                .setParameter("s", first.getId()).getResultList());
        assertThat(replaced).hasSize(1);
    }

    @Test
    void theUrlOfASuspendedSiteCannotRegisterAgain() {
        String url = newUrl();
        Site first = registerAndServe(url);
        registrations.verify(first.getId());
        db.run(em -> em.find(Site.class, first.getId()).suspend("test", null, Instant.now()));

        assertProblem(() -> registrations.register(request(url, 100, 10)), 403, "url-suspended");
    }
}
