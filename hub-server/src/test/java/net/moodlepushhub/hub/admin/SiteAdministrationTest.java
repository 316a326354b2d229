package net.moodlepushhub.hub.admin;

import net.moodlepushhub.common.keys.KeyEncryption;
import net.moodlepushhub.hub.TestHub;
import net.moodlepushhub.hub.audit.AuditEntry;
import net.moodlepushhub.hub.audit.AuditForTests;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.audit.AuditRecorded;
import net.moodlepushhub.hub.keys.HubKeysForTests;
import net.moodlepushhub.hub.keys.IssuedKey;
import net.moodlepushhub.hub.keys.KeyIssuer;
import net.moodlepushhub.hub.keys.RevocationEvent;
import net.moodlepushhub.hub.keys.RevocationFeed;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.registration.Challenge;
import net.moodlepushhub.hub.registration.RegistrationService;
import net.moodlepushhub.hub.registration.Site;
import net.moodlepushhub.hub.registration.SiteStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static net.moodlepushhub.hub.TestHub.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * An operator's decisions on a site without a container: the real {@link SiteAdministration} with the real
 * revocation feed, key issuer and audit log on the real schema (embedded H2 in MariaDB mode). What the gateway
 * learns (the feed), what is kept (the audit log) and which transitions are refused, through the public methods
 * the admin API calls.
 */
class SiteAdministrationTest {

    @TempDir
    Path dir;

    HubDatabase db;
    RevocationFeed feed;
    KeyIssuer keys;
    SiteAdministration admin;
    List<AuditRecorded> fired = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void open() {
        db = new HubDatabase();
        db.open(TestHub.h2(dir));
        feed = HubKeysForTests.feed(db);
        keys = HubKeysForTests.issuer(db, TestHub.settings("PT1H", "PT1H", KeyEncryption.generateBase64()), feed);
        admin = new SiteAdministration();
        admin.db = db;
        admin.feed = feed;
        admin.audit = AuditForTests.log(db, fired);
        admin.lifecycle = net.moodlepushhub.hub.registration.LifecycleForTests.lifecycle(keys, feed, admin.audit);
    }

    @AfterEach
    void close() {
        db.stop();
    }

    /** @return the id of a verified (active) site, created as the registration service leaves it */
    String activeSite(String url) {
        String id = UUID.randomUUID().toString();
        Instant now = Instant.now();
        db.run(em -> {
            Site site = new Site(id, url, "Test site", "admin@example.org", 100, 10,
                    new Challenge("token-" + id, "content-" + id, now.plusSeconds(3600)), now);
            site.activate("management-token-hash", now);
            em.persist(site);
        });
        return id;
    }

    Site site(String id) {
        return db.inTransaction(em -> em.find(Site.class, id));
    }

    List<RevocationEvent> feedEvents() throws InterruptedException {
        return feed.after(0, Duration.ZERO);
    }

    List<AuditEntry> audit(String siteId) {
        return db.inTransaction(em -> em.createQuery("select a from AuditEntry a where a.subject = :s order by a.id", AuditEntry.class)
                .setParameter("s", siteId).getResultList());
    }


    @Test
    void aSuspensionAndTheReinstatementReachTheFeedAndTheAuditLog() throws Exception {
        String id = activeSite("https://moodle.example.org/a");

        Site suspended = admin.suspend(id, "operator-1", "spam complaints", null);
        assertThat(suspended.getStatus()).isEqualTo(SiteStatus.SUSPENDED);
        assertThat(site(id).getStatus()).isEqualTo(SiteStatus.SUSPENDED);
        assertThat(site(id).getStatusReason()).isEqualTo("spam complaints");

        Site reinstated = admin.reinstate(id, "operator-2", "resolved");
        assertThat(reinstated.getStatus()).isEqualTo(SiteStatus.ACTIVE);
        assertThat(site(id).getStatus()).isEqualTo(SiteStatus.ACTIVE);

        assertThat(feedEvents()).extracting(RevocationEvent::getSubjectType, RevocationEvent::getSubject, RevocationEvent::getAction)
                .containsExactly(tuple(RevocationEvent.SITE, id, RevocationEvent.SUSPEND), tuple(RevocationEvent.SITE, id, RevocationEvent.REINSTATE));
        assertThat(audit(id)).extracting(AuditEntry::getActor, AuditEntry::getAction, AuditEntry::getReason)
                .containsExactly(tuple("operator-1", "suspend", "spam complaints"), tuple("operator-2", "reinstate", "resolved"));
        // The observers (the e-mail outbox) hear of both decisions.
        assertThat(fired).extracting(AuditRecorded::action).containsExactly("suspend", "reinstate");
    }

    @Test
    void transitionsFromTheWrongStatusAreRefusedAndChangeNothing() throws Exception {
        String id = activeSite("https://moodle.example.org/b");

        assertProblem(() -> admin.reinstate(id, "op", "not suspended"), 409, "invalid-transition");
        assertProblem(() -> admin.liftRevocation(id, "op", "not revoked"), 409, "invalid-transition");
        assertProblem(() -> admin.suspend(id, "op", "in the past", Instant.now().minusSeconds(1)), 422, "validation-failed");
        assertProblem(() -> admin.suspend("no-such-site", "op", "x", null), 404, "site-not-found");
        admin.suspend(id, "op", "once", null);
        assertProblem(() -> admin.suspend(id, "op", "twice", null), 409, "invalid-transition");

        assertThat(feedEvents()).hasSize(1);
        assertThat(audit(id)).extracting(AuditEntry::getAction).containsExactly("suspend");
    }

    @Test
    void aSuspensionWithAnEndIsReinstatedByTheSystemWhenItRunsOut() throws Exception {
        String id = activeSite("https://moodle.example.org/c");
        String other = activeSite("https://moodle.example.org/c2");
        admin.suspend(id, "op", "cool down", Instant.now().plusMillis(300));
        admin.suspend(other, "op", "until reinstated", null);
        assertThat(site(id).getSuspendedUntil()).isNotNull();

        await("the suspension running out").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> admin.reinstateExpired() == 1);
        assertThat(site(id).getStatus()).isEqualTo(SiteStatus.ACTIVE);
        assertThat(site(id).getSuspendedUntil()).isNull();
        assertThat(site(other).getStatus()).as("a suspension without an end stays").isEqualTo(SiteStatus.SUSPENDED);
        assertThat(audit(id)).extracting(AuditEntry::getActor, AuditEntry::getAction)
                .containsExactly(tuple("op", "suspend"), tuple(AuditLog.SYSTEM, "reinstate"));
        assertThat(admin.reinstateExpired()).as("nothing left to reinstate").isZero();
    }

    @Test
    void aRevocationRevokesEveryKeyAndBlocksTheUrlUntilLifted() throws Exception {
        String url = "https://moodle.example.org/d";
        String id = activeSite(url);
        KeyIssuer.KeyPair issued = db.inTransaction(em -> keys.issue(em, id, url, Instant.now()));
        assertThat(issued.siteKey()).isNotBlank();
        List<IssuedKey> live = db.inTransaction(em -> em.createQuery("select k from IssuedKey k where k.siteId = :s", IssuedKey.class)
                .setParameter("s", id).getResultList());
        assertThat(live).isNotEmpty().allMatch(k -> k.getRevokedAt() == null);

        Site revoked = admin.revoke(id, "op", "phishing");
        assertThat(revoked.getStatus()).isEqualTo(SiteStatus.REVOKED);
        List<IssuedKey> after = db.inTransaction(em -> em.createQuery("select k from IssuedKey k where k.siteId = :s", IssuedKey.class)
                .setParameter("s", id).getResultList());
        assertThat(after).hasSameSizeAs(live).allMatch(k -> k.getRevokedAt() != null && "site-revoked".equals(k.getRevocationReason()));
        // The gateway hears of every key and of the site.
        List<RevocationEvent> events = feedEvents();
        assertThat(events).filteredOn(e -> RevocationEvent.KEY.equals(e.getSubjectType())).extracting(RevocationEvent::getSubject)
                .containsExactlyInAnyOrderElementsOf(live.stream().map(IssuedKey::getJti).toList());
        assertThat(events).filteredOn(e -> RevocationEvent.SITE.equals(e.getSubjectType()))
                .extracting(RevocationEvent::getSubject, RevocationEvent::getAction).containsExactly(tuple(id, RevocationEvent.REVOKE));

        // The URL cannot register again until an operator lifts the revocation, once.
        assertProblem(() -> db.run(em -> RegistrationService.refuseRevokedUrl(em, url)), 403, "url-revoked");
        assertProblem(() -> admin.reinstate(id, "op", "no"), 409, "invalid-transition");
        admin.liftRevocation(id, "op", "appeal granted");
        db.run(em -> RegistrationService.refuseRevokedUrl(em, url));
        assertThat(site(id).getStatus()).as("the revoked site itself stays revoked").isEqualTo(SiteStatus.REVOKED);
        assertProblem(() -> admin.liftRevocation(id, "op", "again"), 409, "already-lifted");
        assertThat(audit(id)).extracting(AuditEntry::getAction).containsExactly("revoke", "lift-revocation");
    }
}
