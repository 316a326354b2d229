package net.moodlepushhub.hub.registration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.keys.IssuedKey;
import net.moodlepushhub.hub.keys.KeyIssuer;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.quota.QuotaPolicy;
import net.moodlepushhub.hub.quota.SiteQuota;
import net.moodlepushhub.hub.verification.ChallengeVerifier;
import net.moodlepushhub.verifier.VerificationProblem;
import net.moodlepushhub.verifier.VerificationResult;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The site admin's use cases: register a Moodle site, prove URL ownership by callback, and manage the
 * registration: details, key rotation and unregistration. Every change happens in one transaction, so a failed
 * request leaves nothing half-written; the life-cycle transitions themselves (and their feed events, key
 * revocations and audit rows) are {@link SiteLifecycle}'s, shared with the operators' {@code SiteAdministration}.
 */
@ApplicationScoped
public class RegistrationService {

    @Inject
    net.moodlepushhub.hub.metrics.HubMetrics metrics = net.moodlepushhub.hub.metrics.HubMetrics.disabled();

    @Inject
    HubDatabase db;

    @Inject
    HubSettings settings;

    @Inject
    QuotaPolicy quota;

    @Inject
    net.moodlepushhub.hub.quota.SiteUsage usage;

    @Inject
    KeyIssuer keys;

    @Inject
    ChallengeVerifier verifier;

    @Inject
    AuditLog audit;

    @Inject
    SiteLifecycle lifecycle;

    /** The answer to a successful verification or key rotation. */
    public record Credentials(Site site, KeyIssuer.KeyPair keys, String managementToken) {
    }

    /** A site with its verification history and key counts, for its admin. */
    public record SiteDetails(Site site, List<VerificationAttempt> attempts, long liveKeys, long revokedKeys,
                              SiteQuota.Limits quota, int maxUsers, List<net.moodlepushhub.hub.quota.SiteUsage.Usage> usage) {
    }

    /**
     * Starts a registration: validates, checks the quota, and creates a pending site with a fresh challenge.
     * A URL that already has a live site is accepted: the new registration replaces nothing until it passes
     * its own verification.
     *
     * @param request the admin's request (already validated for shape)
     * @return the pending site
     */
    public Site register(RegistrationRequest request) {
        String url = SiteUrls.normalize(request.url);
        if (request.activeUsers > request.users) {
            quota.checkUsers(request.users, request.activeUsers);
        }
        Instant now = Instant.now();
        String token = Secrets.random(16);
        Challenge challenge = new Challenge(token, token + "." + Secrets.random(32), now.plus(settings.challengeLifetime()));
        Site site = new Site(UUID.randomUUID().toString(), url, request.name.strip(), request.contactEmail.strip(),
                request.users, request.activeUsers, challenge, now);
        if (request.moodleSiteId != null) {
            site.setMoodleSiteIdHash(Secrets.hash(request.moodleSiteId));
        }
        db.run(em -> {
            refuseRevokedUrl(em, url);
            refuseSuspendedUrl(em, url);
            // A re-registration of a live URL (key loss, new admin) keeps the quota an admin granted that URL.
            quota.checkUsers(request.users, request.activeUsers, quota.overrides(em, liveSiteId(em, url)));
            em.persist(site);
            audit.record(em, AuditLog.SITE_ADMIN, "register", AuditLog.SITE, site.getId(), null, "url " + url);
        });
        return site;
    }

    /**
     * Fetches the site's challenge and, when it matches, activates the site, revokes the keys of any previous
     * live registration of the same URL, and issues keys and a management token.
     *
     * @param siteId the pending site
     * @return the credentials, shown once
     */
    public Credentials verify(String siteId) {
        return verify(siteId, null);
    }

    /**
     * Work that must commit together with a site's activation (for Moodle: its web-service token, which
     * Moodle uses inside the same request that confirms the registration).
     */
    @FunctionalInterface
    public interface ActivationHook {
        /**
         * @param em   the activation's transaction
         * @param site the site, now active
         * @param now  the activation time
         */
        void activated(EntityManager em, Site site, Instant now);
    }

    /**
     * Like {@link #verify(String)}, running {@code hook} in the activation's transaction. The site proves
     * ownership with the challenge file or, failing that, with the meta tag in its front page's head.
     *
     * @param siteId the pending site
     * @param hook   extra work for the activation, or null
     * @return the credentials, shown once
     */
    public Credentials verify(String siteId, ActivationHook hook) {
        Site site = admit(siteId);
        Proof proof = fetch(site);
        record(new VerificationAttempt(siteId, Instant.now(), proof.url(), proof.result().resolvedAddress(), proof.outcome(), proof.detail()));
        metrics.verificationAttempted(proof.outcome());
        if (!proof.result().isValid()) {
            throw proof.problem(site);
        }
        Credentials credentials = db.inRetryingTransaction(em -> activate(em, siteId, hook));
        metrics.siteRegistered(hook != null);
        return credentials;
    }

    /**
     * The checks before the network fetch: the registration is pending, its challenge is live (an expired
     * one is recorded as an attempt, then refused) and it is within its attempts per minute.
     */
    private Site admit(String siteId) {
        Instant now = Instant.now();
        Site site = db.inTransaction(em -> {
            Site s = find(em, siteId);
            s.require(Site.Action.ACTIVATE);
            if (!s.challenge().isExpired(now)) {
                long recent = em.createQuery("select count(a) from VerificationAttempt a where a.siteId = :site and a.attemptedAt > :since", Long.class)
                        .setParameter("site", siteId).setParameter("since", now.minus(Duration.ofMinutes(1))).getSingleResult();
                if (recent >= settings.maxAttemptsPerMinute()) {
                    metrics.rateLimited(net.moodlepushhub.hub.metrics.HubMetrics.LIMIT_VERIFICATION_ATTEMPTS);
                    throw Problem.of(HubProblem.TOO_MANY_ATTEMPTS, "At most " + settings.maxAttemptsPerMinute()
                            + " verification attempts per minute; try again in a minute.").withHeader("Retry-After", "60").toException();
                }
            }
            return s;
        });
        if (site.challenge().isExpired(now)) {
            record(new VerificationAttempt(siteId, now, site.challenge().urlFor(site.getUrl()), null,
                    "challenge-expired", "The challenge expired."));
            metrics.verificationAttempted("challenge-expired");
            throw Problem.of(HubProblem.CHALLENGE_EXPIRED, "The challenge of this registration expired at "
                    + "its expiresAt; register the site again to get a new one.").toException();
        }
        return site;
    }

    /** What the fetch found: the result that counts, where it was found, and the meta tag's when that was tried too. */
    private record Proof(String url, VerificationResult result, VerificationResult metaTag, String metaTagUrl) {

        String outcome() {
            return result.isValid() ? VerificationAttempt.VALID : result.problem().map(p -> p.type().slug()).orElse("unauthorized");
        }

        String detail() {
            return result.problem().map(VerificationProblem::detail).orElse("The challenge matched.");
        }

        /** The typed verifier problem, naming the meta tag's failure too when it was tried. */
        ProblemException problem(Site site) {
            VerificationProblem problem = result.problem().orElseThrow();
            Problem p = Problem.of(HubProblem.verification(problem.type()), problem.detail())
                    .with("challengeUrl", url)
                    .with("check", problem.check().slug());
            if (metaTag != null && metaTag.problem().isPresent()) {
                VerificationProblem m = metaTag.problem().get();
                p = p.with("metaTag", java.util.Map.of("url", metaTagUrl,
                        "type", m.type().slug(), "check", m.check().slug(), "detail", m.detail()));
            }
            return p.toException();
        }
    }

    /**
     * Fetches the challenge file and, failing that, the front page's meta tag. Outside any transaction: a slow
     * site must not hold database locks.
     */
    private Proof fetch(Site site) {
        String challengeUrl = site.challenge().urlFor(site.getUrl());
        VerificationResult file = verifier.verify(challengeUrl, site.challenge().content());
        if (file.isValid()) {
            return new Proof(challengeUrl, file, null, null);
        }
        String page = ChallengeVerifier.metaTagPage(site.getUrl());
        VerificationResult metaTag = verifier.verifyMetaTag(site.getUrl(), site.challenge().content());
        return metaTag.isValid() ? new Proof(page, metaTag, null, null) : new Proof(challengeUrl, file, metaTag, page);
    }

    private void record(VerificationAttempt attempt) {
        db.run(em -> em.persist(attempt));
    }

    /**
     * Activates the site, replacing the URL's previous live registration; runs again when the database chose it
     * as a deadlock victim, so it has no effect outside its transaction.
     */
    private Credentials activate(EntityManager em, String siteId, ActivationHook hook) {
        Instant now = Instant.now();
        Site site = em.find(Site.class, siteId, LockModeType.PESSIMISTIC_WRITE);
        if (site == null) {
            throw Problem.of(HubProblem.SITE_NOT_FOUND, "There is no site with this id.").toException();
        }
        // Verified or ended by a concurrent request since admit(): not-pending.
        site.require(Site.Action.ACTIVATE);
        refuseRevokedUrl(em, site.getUrl());
        // No locking read here: on MariaDB a locking read of a missing index value takes a gap lock, and two
        // activations of different URLs then deadlock on each other's inserts into the gap. The unique index
        // on live_url settles a race for the same URL (one commit fails), and the previous owner's row is
        // protected by its row version.
        List<Site> live = em.createQuery("select s from Site s where s.liveUrl = :url", Site.class)
                .setParameter("url", site.getUrl()).getResultList();
        SiteQuota.Limits inherited = SiteQuota.Limits.NONE;
        for (Site previous : live) {
            // Refused for a suspended site (url-suspended): otherwise re-registering would be a way out of a suspension.
            previous.require(Site.Action.REPLACE);
            inherited = quota.overrides(em, previous.getId());
            lifecycle.replace(em, previous, siteId, now);
        }
        // Flush the previous owner's release of the URL before claiming it (unique index on live_url).
        em.flush();
        String token = Secrets.newManagementToken();
        site.setManagementTokenHint(token.substring(0, 12) + "…");
        lifecycle.activate(em, site, Secrets.hash(token), now);
        KeyIssuer.KeyPair pair = keys.issue(em, siteId, site.getUrl(), now);
        if (!inherited.equals(SiteQuota.Limits.NONE)) {
            quota.set(em, siteId, inherited, AuditLog.SYSTEM, now);
        }
        if (hook != null) {
            hook.activated(em, site, now);
        }
        return new Credentials(site, pair, token);
    }

    /**
     * @param siteId the site
     * @param token  the management token presented
     * @return the site's details
     */
    public SiteDetails details(String siteId, String token) {
        return db.inTransaction(em -> {
            Site site = authorize(em, siteId, token);
            List<VerificationAttempt> attempts = em.createQuery(
                    "select a from VerificationAttempt a where a.siteId = :site order by a.attemptedAt desc", VerificationAttempt.class)
                    .setParameter("site", siteId).setMaxResults(100).getResultList();
            List<IssuedKey> issued = em.createQuery("select k from IssuedKey k where k.siteId = :site", IssuedKey.class)
                    .setParameter("site", siteId).getResultList();
            long live = issued.stream().filter(k -> k.getRevokedAt() == null).count();
            SiteQuota.Limits limits = quota.overrides(em, siteId);
            return new SiteDetails(site, attempts, live, issued.size() - live, limits, quota.maxUsers(limits), usage.forSite(em, siteId));
        });
    }

    /**
     * Updates a site's details; the quota is checked again with the new counts.
     *
     * @param siteId  the site
     * @param token   the management token
     * @param request the changes
     * @return the updated site
     */
    public Site update(String siteId, String token, SiteUpdateRequest request) {
        return db.inTransaction(em -> {
            Site site = authorize(em, siteId, token);
            site.require(Site.Action.UPDATE);
            int users = request.users != null ? request.users : site.getUsers();
            int active = request.activeUsers != null ? request.activeUsers : site.getActiveUsers();
            quota.checkUsers(users, active, quota.overrides(em, siteId));
            site.update(request.name == null ? null : request.name.strip(),
                    request.contactEmail == null ? null : request.contactEmail.strip(),
                    request.users, request.activeUsers, Instant.now());
            return site;
        });
    }

    /**
     * Unregisters a site: it releases its URL and every key is revoked.
     *
     * @param siteId the site
     * @param token  the management token
     */
    public void unregister(String siteId, String token) {
        db.run(em -> lifecycle.unregister(em, authorize(em, siteId, token), Instant.now()));
    }

    /**
     * Unregisters a site whose caller was authenticated otherwise (Moodle's {@code hub_unregister_site} with
     * the site's web-service token), exactly as {@link #unregister(String, String)} does.
     *
     * @param em   the caller's transaction
     * @param site the site (locked or freshly read in {@code em})
     */
    public void unregisterAuthenticated(EntityManager em, Site site) {
        lifecycle.unregister(em, site, Instant.now());
    }

    /**
     * Revokes a site's keys and issues new ones.
     *
     * @param siteId the site
     * @param token  the management token
     * @return the new keys (the management token is unchanged and not returned)
     */
    public Credentials rotateKeys(String siteId, String token) {
        // Concurrent rotations of one site revoke and insert keys in the same index ranges; the database may pick
        // one as a deadlock victim, which simply runs again.
        Credentials credentials = db.inRetryingTransaction(em -> {
            Site site = authorize(em, siteId, token);
            site.require(Site.Action.ROTATE_KEYS);
            Instant now = Instant.now();
            keys.revokeAll(em, siteId, "rotated", now);
            audit.record(em, AuditLog.SITE_ADMIN, "rotate-keys", AuditLog.SITE, siteId, null, null);
            return new Credentials(site, keys.issue(em, siteId, site.getUrl(), now), null);
        });
        return credentials;
    }

    /**
     * Issues a Moodle-form site key to a live, active site matching the URL and the Moodle site id it
     * registered with (Moodle's legacy {@code request_accesskey()} through the gateway).
     *
     * @param rawUrl       the URL Moodle sent
     * @param moodleSiteId Moodle's {@code siteid}
     * @return the new site key (device key and management token are not issued)
     */
    public Credentials moodleAccessKey(String rawUrl, String moodleSiteId) {
        String url = SiteUrls.normalize(rawUrl);
        return db.inTransaction(em -> {
            List<Site> live = em.createQuery("select s from Site s where s.liveUrl = :url", Site.class).setParameter("url", url).getResultList();
            Site site = live.isEmpty() ? null : live.get(0);
            if (site == null || site.getStatus() != SiteStatus.ACTIVE || !matchesMoodleSiteId(em, site, moodleSiteId)) {
                throw Problem.of(HubProblem.SITE_NOT_VERIFIED, "No active verified site matches this URL and Moodle site id.").toException();
            }
            Instant now = Instant.now();
            String key = keys.issueOne(em, net.moodlepushhub.common.keys.AccessKeyKind.SITE, site.getId(), site.getUrl(), now, settings.siteKeyLifetime());
            return new Credentials(site, new KeyIssuer.KeyPair(key, null, net.moodlepushhub.common.keys.MoodleAccessKey.encode(key)), null);
        });
    }

    /**
     * Whether {@code moodleSiteId} is what the site's Moodle presents as {@code siteid}: the hash it registered
     * with through the JSON API ({@code moodleSiteId}) or, for a Moodle-native registration, md5 of its
     * secret, or md5 of the secret without its 14 date digits (Moodle 4.5.5-5.1.0 send md5 of the site
     * identifier, which their secrets extend).
     *
     * @param em           a transaction
     * @param site         the site
     * @param moodleSiteId what was presented
     * @return true when it matches
     */
    static boolean matchesMoodleSiteId(EntityManager em, Site site, String moodleSiteId) {
        if (Secrets.matches(moodleSiteId, site.getMoodleSiteIdHash())) {
            return true;
        }
        @SuppressWarnings("unchecked")
        List<Object> alternatives = em.createNativeQuery("select identifier_id_hash from moodle_registration where site_id = ?")
                .setParameter(1, site.getId()).getResultList();
        return !alternatives.isEmpty() && alternatives.get(0) != null && Secrets.matches(moodleSiteId, alternatives.get(0).toString());
    }

    /**
     * AirNotifier's site check ({@code /local/sitecheck/check.php}): is there an active site at this URL whose
     * Moodle site id is {@code moodleSiteId}?
     *
     * @param rawUrl       the URL as sent
     * @param moodleSiteId the {@code siteid} as sent
     * @return true when there is
     */
    public boolean isMoodleSiteRegistered(String rawUrl, String moodleSiteId) {
        String url = SiteUrls.normalize(rawUrl);
        return db.inTransaction(em -> {
            List<Site> live = em.createQuery("select s from Site s where s.liveUrl = :url", Site.class).setParameter("url", url).getResultList();
            return !live.isEmpty() && live.get(0).getStatus() == SiteStatus.ACTIVE && matchesMoodleSiteId(em, live.get(0), moodleSiteId);
        });
    }

    private static Site find(EntityManager em, String siteId) {
        Site site = siteId == null || siteId.length() > 36 ? null : em.find(Site.class, siteId);
        if (site == null) {
            throw Problem.of(HubProblem.SITE_NOT_FOUND, "There is no site with this id.").toException();
        }
        return site;
    }

    private static Site authorize(EntityManager em, String siteId, String token) {
        Site site = find(em, siteId);
        if (token == null) {
            throw Problem.of(HubProblem.MANAGEMENT_TOKEN_REQUIRED, "Send the site's management token as 'Authorization: Bearer <token>'.")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"moodle-push-hub\"").toException();
        }
        if (!Secrets.matches(token, site.getManagementTokenHash())) {
            throw Problem.of(HubProblem.INVALID_MANAGEMENT_TOKEN, "The management token is not valid for this site.")
                    .withHeader("WWW-Authenticate", "Bearer realm=\"moodle-push-hub\", error=\"invalid_token\"").toException();
        }
        return site;
    }

    private static String liveSiteId(EntityManager em, String url) {
        List<String> ids = em.createQuery("select s.id from Site s where s.liveUrl = :url", String.class)
                .setParameter("url", url).getResultList();
        return ids.isEmpty() ? null : ids.get(0);
    }

    /**
     * Refuses a URL whose live registration a hub admin suspended.
     *
     * @param em  a transaction
     * @param url the normalised URL
     */
    public static void refuseSuspendedUrl(EntityManager em, String url) {
        Long suspended = em.createQuery("select count(s) from Site s where s.liveUrl = :url and s.status = :suspended", Long.class)
                .setParameter("url", url).setParameter("suspended", SiteStatus.SUSPENDED).getSingleResult();
        if (suspended > 0) {
            throw urlSuspended();
        }
    }

    private static net.moodlepushhub.common.problem.ProblemException urlSuspended() {
        return Problem.of(HubProblem.URL_SUSPENDED, "A hub administrator suspended the site registered at this URL; "
                + "it cannot be registered again while the suspension lasts.").toException();
    }

    /**
     * Refuses a URL whose registration a hub admin revoked, unless an admin lifted that revocation.
     *
     * @param em  a transaction
     * @param url the normalised URL
     */
    public static void refuseRevokedUrl(EntityManager em, String url) {
        Long revoked = em.createQuery("select count(s) from Site s where s.url = :url and s.status = :revoked"
                        + " and s.revocationLiftedAt is null", Long.class)
                .setParameter("url", url).setParameter("revoked", SiteStatus.REVOKED).getSingleResult();
        if (revoked > 0) {
            throw Problem.of(HubProblem.URL_REVOKED, "A hub administrator revoked this site URL; it cannot register again "
                    + "until an administrator lifts the revocation.").toException();
        }
    }
}
