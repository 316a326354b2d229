package net.moodlepushhub.hub.registration;

import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import net.moodlepushhub.hub.moodle.MoodleSiteView;
import net.moodlepushhub.hub.quota.LimitsView;
import net.moodlepushhub.hub.verification.ChallengeVerifier;

import java.time.Instant;
import java.util.List;

/**
 * The JSON shapes of the site registration API ({@code /api/v1/sites}), as records so that {@code /openapi}
 * describes every answer. Built from entities, which know nothing about HTTP. Members that are absent rather
 * than {@code null} when empty are left out by JSON-B; those that the API always sends are {@link JsonbNillable}.
 */
public final class SiteViews {

    private SiteViews() {
    }

    /** {@code POST /api/v1/sites}: the pending registration and its challenge. */
    @JsonbPropertyOrder({"siteId", "status", "url", "challenge"})
    public record Pending(String siteId, String status, String url, ChallengeView challenge) {

        /**
         * @param site the pending site
         * @return its view
         */
        public static Pending of(Site site) {
            return new Pending(site.getId(), site.getStatus().wire(), site.getUrl(), ChallengeView.of(site));
        }
    }

    /**
     * The ownership challenge: the file to serve at {@code url}, or the other way to prove ownership for admins
     * without access to the web server's files (MoodleCloud), the {@code metaTag} in the front page's head.
     */
    @JsonbPropertyOrder({"token", "url", "content", "expiresAt", "metaTag"})
    public record ChallengeView(String token, String url, String content, String expiresAt, String metaTag) {

        static ChallengeView of(Site site) {
            Challenge c = site.challenge();
            return new ChallengeView(c.token(), c.urlFor(site.getUrl()), c.content(), c.expiresAt().toString(),
                    ChallengeVerifier.metaTag(c.content()));
        }
    }

    /** A verification or key rotation: the keys (and after a verification the management token), shown once. */
    @JsonbPropertyOrder({"siteId", "status", "siteKey", "deviceKey", "moodleAccessKey", "managementToken"})
    public record CredentialsView(String siteId, String status, String siteKey, @JsonbNillable String deviceKey,
                                  @JsonbNillable String moodleAccessKey, String managementToken) {

        /**
         * @param credentials what the service issued
         * @return the view (no {@code managementToken} member when none was issued)
         */
        public static CredentialsView of(RegistrationService.Credentials credentials) {
            return new CredentialsView(credentials.site().getId(), credentials.site().getStatus().wire(),
                    credentials.keys().siteKey(), credentials.keys().deviceKey(), credentials.keys().moodleAccessKey(),
                    credentials.managementToken());
        }
    }

    /** A site as its own admin sees it ({@code PATCH} answers this; {@code GET} adds {@link Details}). */
    @JsonbPropertyOrder({"siteId", "url", "name", "contactEmail", "status", "users", "activeUsers", "createdAt", "verifiedAt",
            "statusReason", "suspendedUntil"})
    public record SiteView(String siteId, String url, String name, String contactEmail, String status, int users, int activeUsers,
                           String createdAt, @JsonbNillable String verifiedAt, String statusReason, String suspendedUntil) {

        /**
         * @param site the site
         * @return its view
         */
        public static SiteView of(Site site) {
            return new SiteView(site.getId(), site.getUrl(), site.getName(), site.getContactEmail(), site.getStatus().wire(),
                    site.getUsers(), site.getActiveUsers(), time(site.getCreatedAt()), time(site.getVerifiedAt()),
                    site.getStatusReason(), time(site.getSuspendedUntil()));
        }
    }

    /**
     * {@code GET /api/v1/sites/{id}}: the {@link SiteView} members, the key counts, every verification attempt,
     * the quota in force (the hub default for users unless an admin overrode it), the delivery limits' usage as the gateways last reported it and, for a site registered
     * from Moodle's own pages, what Moodle last reported.
     */
    @JsonbPropertyOrder({"siteId", "url", "name", "contactEmail", "status", "users", "activeUsers", "createdAt", "verifiedAt",
            "statusReason", "suspendedUntil", "keys", "verificationAttempts", "quota", "usage", "moodle"})
    public record Details(String siteId, String url, String name, String contactEmail, String status, int users, int activeUsers,
                          String createdAt, @JsonbNillable String verifiedAt, String statusReason, String suspendedUntil,
                          KeyCounts keys, List<VerificationAttemptView> verificationAttempts, LimitsView quota,
                          List<net.moodlepushhub.hub.quota.SiteUsage.Usage> usage, MoodleSiteView moodle) {

        /**
         * @param details what the service read
         * @param moodle  the Moodle side, or null for a site registered through this API
         * @return the view
         */
        public static Details of(RegistrationService.SiteDetails details, MoodleSiteView moodle) {
            SiteView s = SiteView.of(details.site());
            return new Details(s.siteId(), s.url(), s.name(), s.contactEmail(), s.status(), s.users(), s.activeUsers(),
                    s.createdAt(), s.verifiedAt(), s.statusReason(), s.suspendedUntil(),
                    new KeyCounts(details.liveKeys(), details.revokedKeys()),
                    details.attempts().stream().map(VerificationAttemptView::of).toList(),
                    LimitsView.inForce(details.quota(), details.maxUsers()), details.usage(), moodle);
        }
    }

    /** How many of a site's keys are live and revoked. */
    @JsonbPropertyOrder({"live", "revoked"})
    public record KeyCounts(long live, long revoked) {
    }

    /** One proof-of-ownership attempt, for the site's admin and the hub's admins alike. */
    @JsonbNillable
    @JsonbPropertyOrder({"attemptedAt", "url", "resolvedAddress", "outcome", "detail"})
    public record VerificationAttemptView(String attemptedAt, String url, String resolvedAddress, String outcome, String detail) {

        /**
         * @param a the attempt
         * @return its view
         */
        public static VerificationAttemptView of(VerificationAttempt a) {
            return new VerificationAttemptView(time(a.getAttemptedAt()), a.getChallengeUrl(), a.getResolvedAddress(),
                    a.getOutcome(), a.getDetail());
        }
    }

    /**
     * @param t an instant, or null
     * @return its ISO-8601 form, or null
     */
    public static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
