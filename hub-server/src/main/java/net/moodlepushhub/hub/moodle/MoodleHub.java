package net.moodlepushhub.hub.moodle;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.hub.HubProblem;
import net.moodlepushhub.hub.HubDomainException;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.web.HubExceptionMapper;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.quota.QuotaPolicy;
import net.moodlepushhub.hub.registration.Challenge;
import net.moodlepushhub.hub.registration.RegistrationService;
import net.moodlepushhub.hub.registration.Secrets;
import net.moodlepushhub.hub.registration.Site;
import net.moodlepushhub.hub.registration.SiteStatus;
import net.moodlepushhub.hub.registration.SiteUrls;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.StringReader;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Registration by an unmodified Moodle ({@code HUB_MOODLEORGHUBURL} pointing at this hub), as described in
 * {@code shared/moodle-hub-protocol.md}: the pending registration the browser round-trip creates, its proof
 * of URL ownership (the same challenge as the JSON API, by file or meta tag), the web-service token Moodle
 * receives, and the web-service functions Moodle calls with it. The site row, its keys and its life cycle are
 * the JSON API's ({@link RegistrationService}); this class adds only what Moodle's protocol needs.
 */
@ApplicationScoped
public class MoodleHub {

    /** Moodle's token is its site identifier (about 32 characters and a host name), plus 14 date digits from 4.5.5. */
    static final int MAX_SECRET = 255;

    /** How far a signed update's timestamp may be from the hub's clock. */
    static final Duration SIGNATURE_WINDOW = Duration.ofMinutes(10);

    /** The longest value of one site-information field (4.5+ {@code pluginusage} is a JSON of every plugin). */
    public static final int MAX_FIELD = 64 * 1024;

    /** Length of the web-service tokens issued: Moodle keeps {@code [A-Za-z0-9]} only (PARAM_ALPHANUM). */
    static final int WS_TOKEN_LENGTH = 40;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    @Inject
    HubDatabase db;

    @Inject
    HubSettings settings;

    @Inject
    RegistrationService registrations;

    @Inject
    QuotaPolicy quota;

    @Inject
    MoodleQuota moodleQuota;

    @Inject
    AuditLog audit;

    @Inject
    SecretSealer sealer;

    /** A pending registration, for the page: what to show the admin. */
    public record Pending(String siteId, String siteUrl, Challenge challenge) {
    }

    // ------------------------------------------------------------------ the browser round-trip

    /**
     * Creates the pending registration for Moodle's {@code siteregistration.php} request, or resumes the one
     * this {@code url} and {@code token} already started (Moodle resends the same token while it waits).
     *
     * @param params the query parameters (bare keys have empty values)
     * @return the pending registration
     * @throws net.moodlepushhub.common.problem.ProblemException for missing or bad input, a revoked or
     *                                                          suspended URL, or a site over the user quota
     */
    public Pending start(Map<String, Object> params) {
        String secret = secret(params);
        String url = SiteUrls.normalize(requireText(params, "url", HubProblem.MISSING_URL));
        int users = count(params.get("users"));
        int active = Math.min(users, count(params.get("activeusers")));
        String secretHash = Secrets.hash(secret);
        Instant now = Instant.now();
        return db.inTransaction(em -> {
            RegistrationService.refuseRevokedUrl(em, url);
            RegistrationService.refuseSuspendedUrl(em, url);
            // A re-registration of a live URL keeps the quota an admin granted that URL, as in the JSON API.
            List<String> live = em.createQuery("select s.id from Site s where s.liveUrl = :url", String.class)
                    .setParameter("url", url).getResultList();
            quota.checkUsers(users, active, quota.overrides(em, live.isEmpty() ? null : live.get(0)));
            Site pending = findPending(em, url, secretHash, now);
            if (pending != null) {
                return new Pending(pending.getId(), url, pending.challenge());
            }
            String challengeToken = Secrets.random(16);
            Challenge challenge = new Challenge(challengeToken, challengeToken + "." + Secrets.random(32), now.plus(settings.challengeLifetime()));
            String name = text(params.get("name"), 255);
            Site site = new Site(UUID.randomUUID().toString(), url, name.isEmpty() ? URI.create(url).getHost() : name,
                    text(params.get("contactemail"), 254), users, active, challenge, now);
            String md5 = md5(secret);
            site.setMoodleSiteIdHash(Secrets.hash(md5));
            em.persist(site);
            // The site row first: the foreign key of moodle_registration needs it, and the unit has no relationship to order by.
            em.flush();
            em.persist(new MoodleRegistration(site.getId(), secretHash, identifierIdHash(secret), sealer.seal(md5), now));
            audit.record(em, AuditLog.SITE_ADMIN, "register", AuditLog.SITE, site.getId(), null, "url " + url + " (from Moodle's registration page)");
            return new Pending(site.getId(), url, challenge);
        });
    }

    /**
     * Runs the proof of ownership for the pending registration of {@code url} and {@code token}; on success
     * the site is active, its web-service token already valid, and the answer is the URL of Moodle's
     * confirmation page to send the admin's browser to.
     *
     * @param params the page's query parameters ({@code token}, {@code url})
     * @return the {@code confirmregistration.php} URL with {@code newtoken}, {@code url}, {@code token}, {@code hubname}
     * @throws net.moodlepushhub.common.problem.ProblemException when there is no such pending registration or the
     *                                                          proof fails (the typed verifier problem)
     */
    public String confirm(Map<String, Object> params) {
        String secret = secret(params);
        String url = SiteUrls.normalize(requireText(params, "url", HubProblem.MISSING_URL));
        String secretHash = Secrets.hash(secret);
        Site pending = db.inTransaction(em -> findPending(em, url, secretHash, Instant.now()));
        if (pending == null) {
            throw Problem.of(HubProblem.REGISTRATION_NOT_FOUND, "There is no pending registration for this site and token (it was "
                    + "confirmed, ended or expired). Start again from Moodle's registration page.").toException();
        }
        String wsToken = wsToken();
        try {
            registrations.verify(pending.getId(), (em, site, now) -> {
                MoodleRegistration m = em.find(MoodleRegistration.class, site.getId(), LockModeType.PESSIMISTIC_WRITE);
                m.setWsTokenHash(Secrets.hash(wsToken));
            });
        } catch (HubDomainException e) {
            // Moodle's pages show problems; the JSON API's mapper is not on this path.
            throw HubExceptionMapper.problem(e).toException();
        }
        return url + "/admin/registration/confirmregistration.php?newtoken=" + encode(wsToken) + "&url=" + encode(settings.issuer())
                + "&token=" + encode(secret) + "&hubname=" + encode(settings.hubName());
    }

    private static Site findPending(EntityManager em, String url, String secretHash, Instant now) {
        List<Site> sites = em.createQuery("select s from Site s, MoodleRegistration m where m.siteId = s.id and m.secretHash = :hash"
                        + " and s.url = :url and s.status = :pending order by s.createdAt desc", Site.class)
                .setParameter("hash", secretHash).setParameter("url", url).setParameter("pending", SiteStatus.PENDING)
                .setMaxResults(1).getResultList();
        return sites.isEmpty() || sites.get(0).challenge().isExpired(now) ? null : sites.get(0);
    }

    // ------------------------------------------------------------------ web-service functions

    /** A caller authenticated by its web-service token. */
    private record Caller(Site site, MoodleRegistration registration) {
    }

    private static Caller authenticate(EntityManager em, String wsToken) {
        if (wsToken == null || wsToken.isEmpty() || wsToken.length() > 128) {
            throw MoodleException.invalidToken();
        }
        List<MoodleRegistration> found = em.createQuery("select m from MoodleRegistration m where m.wsTokenHash = :hash", MoodleRegistration.class)
                .setParameter("hash", Secrets.hash(wsToken)).getResultList();
        if (found.isEmpty()) {
            throw MoodleException.invalidToken();
        }
        MoodleRegistration m = em.find(MoodleRegistration.class, found.get(0).getSiteId(), LockModeType.PESSIMISTIC_WRITE);
        Site site = em.find(Site.class, m.getSiteId(), LockModeType.PESSIMISTIC_WRITE);
        if (site == null || !site.getStatus().isLive()) {
            // Unregistered, replaced by a newer registration of the URL, or revoked by an admin.
            throw MoodleException.invalidToken();
        }
        return new Caller(site, m);
    }

    /**
     * {@code hub_update_site_info}: stores what the site reports, verifies a signature when there is one, and
     * re-evaluates the user quota.
     *
     * @param wsToken the caller's token
     * @param form    the whole request form
     * @return true
     */
    public boolean updateSiteInfo(String wsToken, Map<String, Object> form) {
        Object raw = form.get("siteinfo");
        if (!(raw instanceof Map<?, ?> info)) {
            throw MoodleException.invalidParameter("siteinfo must be an array of site information");
        }
        String timestamp = scalar(form, "timestamp");
        String signature = scalar(form, "signature");
        JsonObjectBuilder json = Json.createObjectBuilder();
        info.forEach((k, v) -> json.add(k.toString(), v.toString()));
        String infoJson = json.build().toString();
        Instant now = Instant.now();
        // A quota transition appends a feed event, whose readers the feed wakes after the commit.
        db.inTransaction(em -> {
            Caller c = authenticate(em, wsToken);
            Site site = c.site();
            Object reportedUrl = info.get("url");
            if (reportedUrl != null && !reportedUrl.toString().isEmpty() && !sameUrl(reportedUrl.toString(), site.getUrl())) {
                // The site moved: this registration proved another URL. Moodle registers again on invalidtoken.
                throw MoodleException.invalidToken();
            }
            boolean signed = false;
            if (timestamp != null || signature != null) {
                verifySignature(c.registration(), reportedUrl == null ? "" : reportedUrl.toString(), timestamp, signature, now);
                signed = true;
            }
            c.registration().recordInfo(infoJson, signed, now);
            Integer users = countOrNull(info.get("users"));
            Integer active = countOrNull(info.get("activeusers"));
            int newUsers = users != null ? users : site.getUsers();
            Integer newActive = active == null ? null : Math.min(active, newUsers);
            if (newActive == null && site.getActiveUsers() > newUsers) {
                newActive = newUsers;
            }
            site.update(nonEmpty(text(info.get("name"), 255)), nonEmpty(text(info.get("contactemail"), 254)), users, newActive, now);
            return moodleQuota.evaluate(em, site, c.registration(), AuditLog.SITE_ADMIN, now);
        });
        return true;
    }

    private void verifySignature(MoodleRegistration m, String siteUrl, String timestamp, String signature, Instant now) {
        if (timestamp == null || signature == null || !timestamp.matches("[0-9]{1,12}") || !signature.matches("[0-9a-fA-F]{64}")) {
            throw new MoodleException("invalidsignature", "A signed update needs both 'timestamp' (Unix seconds) and 'signature' (64 hex digits).");
        }
        long ts = Long.parseLong(timestamp);
        if (Math.abs(now.getEpochSecond() - ts) > SIGNATURE_WINDOW.toSeconds()) {
            throw new MoodleException("invalidsignature", "The update's timestamp is more than " + SIGNATURE_WINDOW.toMinutes()
                    + " minutes from the hub's clock; check the site's clock.");
        }
        String key = sealer.open(m.getSigningKeySealed());
        if (key == null) {
            throw new MoodleException("invalidsignature", "The hub cannot check this site's signature (its sealing key changed); register the site again.");
        }
        String expected = hmacSha256(key, siteUrl + "|" + timestamp);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), signature.toLowerCase().getBytes(StandardCharsets.US_ASCII))) {
            throw new MoodleException("invalidsignature", "The update's signature does not match this site's registration.");
        }
    }

    /**
     * {@code hub_site_is_registered}: true when the caller's registration is live for {@code siteurl} and its
     * secret is {@code sitesecret}.
     *
     * @param wsToken the caller's token
     * @param form    the request form
     * @return whether the site is registered
     */
    public boolean isRegistered(String wsToken, Map<String, Object> form) {
        String siteUrl = scalar(form, "siteurl");
        String secret = scalar(form, "sitesecret");
        return db.inTransaction(em -> {
            Caller c = authenticate(em, wsToken);
            return siteUrl != null && secret != null && sameUrl(siteUrl, c.site().getUrl())
                    && Secrets.matches(secret, c.registration().getSecretHash());
        });
    }

    /**
     * {@code hub_unregister_site}: ends the registration exactly as {@code DELETE /api/v1/sites/{id}} does.
     *
     * @param wsToken the caller's token
     * @return true
     */
    public boolean unregister(String wsToken) {
        try {
            db.run(em -> registrations.unregisterAuthenticated(em, authenticate(em, wsToken).site()));
        } catch (HubDomainException e) {
            Problem p = HubExceptionMapper.problem(e);
            throw new MoodleException(p.slug(), p.detail());
        }
        return true;
    }

    /**
     * {@code hub_get_info}: what this hub is (any token, including {@code publichub}).
     *
     * @return the object Moodle's {@code api::get_hub_info()} documents
     */
    public Map<String, Object> info() {
        long sites = db.inTransaction(em -> em.createQuery("select count(s) from Site s where s.liveUrl is not null", Long.class).getSingleResult());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", settings.hubName());
        out.put("description", "A registration hub for Moodle push notifications: registered sites get keys for the push gateway.");
        out.put("hublogo", 0);
        out.put("url", settings.issuer());
        out.put("language", "en");
        out.put("sites", sites);
        out.put("courses", 0);
        out.put("enrollablecourses", 0);
        out.put("downloadablecourses", 0);
        return out;
    }

    /**
     * The Moodle side of a site, for its admin and the hub's admins; null for a site registered through the
     * JSON API.
     *
     * @param em     a transaction
     * @param siteId the site
     * @return release, counts, last update, signature and quota state
     */
    public MoodleSiteView describe(String siteId) {
        return siteId == null || siteId.length() > 36 ? null : db.inTransaction(em -> describe(em, siteId));
    }

    /**
     * @param em     a transaction
     * @param siteId the site
     * @return as {@link #describe(String)}
     */
    public MoodleSiteView describe(EntityManager em, String siteId) {
        MoodleRegistration m = em.find(MoodleRegistration.class, siteId);
        if (m == null) {
            return null;
        }
        Map<String, String> info = new LinkedHashMap<>();
        if (m.getSiteInfo() != null) {
            try (JsonReader r = Json.createReader(new StringReader(m.getSiteInfo()))) {
                r.readObject().forEach((k, v) -> info.put(k, v.getValueType() == jakarta.json.JsonValue.ValueType.STRING
                        ? ((jakarta.json.JsonString) v).getString() : v.toString()));
            }
        }
        Instant over = m.getOverQuotaSince();
        return new MoodleSiteView(info.get("moodlerelease"), info.get("users"), info.get("activeusers"),
                info.get("registereduserdevices"), m.getInfoUpdatedAt() == null ? null : m.getInfoUpdatedAt().toString(),
                m.isInfoSigned(), over == null ? null : over.toString(),
                over == null ? null : over.plus(settings.quotaGrace()).toString(), m.isQuotaEnforced());
    }

    // ------------------------------------------------------------------ helpers

    private static String secret(Map<String, Object> params) {
        String secret = requireText(params, "token", HubProblem.MISSING_TOKEN);
        if (secret.length() > MAX_SECRET || secret.chars().anyMatch(ch -> ch < 0x21 || ch == 0x7f)) {
            throw Problem.of(HubProblem.INVALID_TOKEN, "The registration token must be at most " + MAX_SECRET
                    + " printable characters without spaces.").toException();
        }
        return secret;
    }

    private static String requireText(Map<String, Object> params, String name, HubProblem missing) {
        Object v = params.get(name);
        if (!(v instanceof String s) || s.isBlank()) {
            throw Problem.of(missing, "The parameter '" + name + "' is required; open this page from Moodle's "
                    + "Site administration › Registration.").toException();
        }
        return s.strip();
    }

    private static String scalar(Map<String, Object> form, String name) {
        Object v = form.get(name);
        if (v instanceof Map) {
            throw MoodleException.invalidParameter(name + " must be a single value");
        }
        return v == null ? null : v.toString();
    }

    private static boolean sameUrl(String raw, String normalized) {
        try {
            return SiteUrls.normalize(raw).equals(normalized);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String text(Object v, int max) {
        if (v == null) {
            return "";
        }
        String s = v.toString().strip();
        return s.length() > max ? s.substring(0, max) : s;
    }

    private static String nonEmpty(String s) {
        return s.isEmpty() ? null : s;
    }

    private static int count(Object v) {
        Integer n = countOrNull(v);
        return n == null ? 0 : n;
    }

    /** Moodle's counts are strings of digits; anything else is "not reported". */
    private static Integer countOrNull(Object v) {
        if (v == null) {
            return null;
        }
        String s = v.toString().strip();
        if (!s.matches("[0-9]{1,9}")) {
            return null;
        }
        return Integer.valueOf(s);
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Moodle 4.5.5-5.1.0 send {@code md5(siteidentifier)} as AirNotifier's {@code siteid}, while their secret is
     * the identifier plus {@code date('Ymdhis')}: keep the hash of md5 of the secret without those digits.
     */
    static String identifierIdHash(String secret) {
        if (secret.length() > 14 && secret.substring(secret.length() - 14).chars().allMatch(Character::isDigit)) {
            return Secrets.hash(md5(secret.substring(0, secret.length() - 14)));
        }
        return null;
    }

    static String hmacSha256(String key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String wsToken() {
        StringBuilder b = new StringBuilder(WS_TOKEN_LENGTH);
        for (int i = 0; i < WS_TOKEN_LENGTH; i++) {
            b.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
        }
        return b.toString();
    }

    /** PHP's {@code rawurlencode}: what Moodle's {@code moodle_url} produces and decodes. */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("%7E", "~");
    }
}
