package net.moodlepushhub.hub.mail;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.hub.admin.Operator;
import net.moodlepushhub.hub.audit.AuditLog;
import net.moodlepushhub.hub.audit.AuditRecorded;
import net.moodlepushhub.hub.registration.Site;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Decides which of the hub's decisions are told to whom, and puts the messages in the outbox inside the
 * decision's own transaction.
 *
 * <p>Decisions arrive as {@link AuditRecorded} events (every decision is audited); {@link #ACTIONS} maps audit
 * actions to message kinds, and an action not in it sends nothing. Abuse reports, which are not audit entries,
 * arrive through {@link #abuseReported}.</p>
 */
@ApplicationScoped
public class MailNotifier {

    private static final Logger LOG = Logger.getLogger(MailNotifier.class.getName());

    /**
     * Audit action to message kind. To mail about another decision, add its action here and a template
     * {@code /mail/<kind>.txt}. Several names are accepted for the quota transitions.
     */
    static final Map<String, MailKind> ACTIONS = Map.ofEntries(
            Map.entry("activate", MailKind.REGISTERED),
            Map.entry("rotate-keys", MailKind.KEYS_ROTATED),
            Map.entry("suspend", MailKind.SUSPENDED),
            Map.entry("reinstate", MailKind.REINSTATED),
            Map.entry("revoke", MailKind.REVOKED),
            Map.entry("over-quota", MailKind.QUOTA_GRACE_STARTED),
            Map.entry("quota-exceeded", MailKind.QUOTA_GRACE_STARTED),
            Map.entry("quota-grace-started", MailKind.QUOTA_GRACE_STARTED),
            Map.entry("quota-enforced", MailKind.QUOTA_GRACE_ENDED),
            Map.entry("quota-grace-ended", MailKind.QUOTA_GRACE_ENDED),
            Map.entry("within-quota", MailKind.QUOTA_OK),
            Map.entry("quota-ok", MailKind.QUOTA_OK));

    @Inject
    MailOutbox outbox;

    @Inject
    MailSettings mail;

    @Inject
    HubSettings settings;

    /**
     * Puts a message for a site decision in the outbox, in the decision's transaction.
     *
     * @param event the audit entry just recorded
     */
    void onAudit(@Observes AuditRecorded event) {
        MailKind kind = ACTIONS.get(event.action());
        if (kind == null || !AuditLog.SITE.equals(event.subjectType())) {
            return;
        }
        EntityManager em = event.em();
        Site site = em.find(Site.class, event.subject());
        if (site == null) {
            return;
        }
        Optional<String> to = recipient(site);
        if (to.isEmpty()) {
            return;
        }
        Instant now = Instant.now();
        Map<String, String> vars = siteVars(site, now);
        vars.put("reason", event.reason() == null || event.reason().isBlank() ? "none given" : event.reason());
        put(vars, "detail", event.detail());
        String item = time(now) + ": " + kind.template();
        switch (kind) {
            case REGISTERED -> describeManagement(em, site, vars);
            case SUSPENDED -> {
                vars.put("until", site.getSuspendedUntil() == null ? "until a hub administrator reinstates it" : "until " + time(site.getSuspendedUntil()));
                item = time(now) + ": suspended" + (event.reason() == null ? "" : " (" + event.reason() + ")");
            }
            case QUOTA_GRACE_STARTED -> vars.put("graceEnds", time(now.plus(mail.quotaGrace())));
            default -> {
            }
        }
        outbox.enqueue(em, kind, to.get(), site.getId(), vars, item);
    }

    /**
     * How the admin manages the registration depends on how the site registered: a site registered from Moodle's
     * own admin pages never saw a management token (Moodle keeps its registration up to date itself), so its
     * message must not point at one.
     */
    private static void describeManagement(EntityManager em, Site site, Map<String, String> vars) {
        if (em.find(net.moodlepushhub.hub.moodle.MoodleRegistration.class, site.getId()) != null) {
            vars.put("management", "It was registered from Moodle's own Site administration > Registration page, and Moodle keeps"
                    + " the registration up to date from there (it can also unregister the site there).");
            vars.put("manageLine", "Turn on push notifications: press 'Request access key' in Moodle's Mobile notifications settings.");
        } else {
            String hint = site.getManagementTokenHint() == null ? "mphm_" : site.getManagementTokenHint();
            vars.put("management", "Its management token begins with " + hint + " (only the beginning is shown here; the whole token"
                    + " was shown once, to whoever completed the registration). With it you can update the site's details,"
                    + " rotate its keys or unregister it.");
            vars.put("manageLine", "Read or update the registration: " + vars.get("manageUrl") + " (with the management token as Bearer token)");
        }
    }

    /**
     * Tells the reported site's admin (category and count, never who reported) and the operators (digest), in
     * the report's transaction.
     *
     * @param em          the report's transaction
     * @param siteId      the reported site, or null when the report named no known site
     * @param siteRef     what the report named (the site's id or URL)
     * @param category    the category's wire name
     * @param count       how many reports are folded into the stored report so far
     * @param automatic   whether the gateway filed it (its thresholds were crossed)
     * @param description the report's text: only an automatic report's (the figures) is ever mailed to the site
     */
    public void abuseReported(EntityManager em, String siteId, String siteRef, String category, int count, boolean automatic, String description) {
        Instant now = Instant.now();
        Site site = siteId == null ? null : em.find(Site.class, siteId);
        String about = site != null ? site.getUrl() + " (" + site.getId() + ")" : siteRef + " (unknown site)";
        if (site != null) {
            Optional<String> to = recipient(site);
            if (to.isPresent()) {
                Map<String, String> vars = siteVars(site, now);
                vars.put("category", category);
                vars.put("count", Integer.toString(count));
                if (automatic) {
                    put(vars, "figures", description);
                }
                outbox.enqueue(em, automatic ? MailKind.AUTOMATIC_REPORT : MailKind.ABUSE_REPORT, to.get(), site.getId(), vars,
                        time(now) + ": " + category + (automatic && description != null ? " - " + description : ""));
            }
        }
        List<Operator> operators = em.createQuery("select o from Operator o where o.enabled = true and o.email is not null", Operator.class)
                .getResultList();
        for (Operator operator : operators) {
            Optional<String> to = MailAddresses.valid(operator.getEmail());
            if (to.isEmpty()) {
                continue;
            }
            Map<String, String> vars = new HashMap<>(common());
            vars.put("operator", operator.getUsername());
            outbox.enqueue(em, MailKind.ADMIN_DIGEST, to.get(), null, vars,
                    time(now) + ": " + (automatic ? "automatic " : "") + category + " report about " + about
                            + (count > 1 ? ", " + count + " so far" : "") + (automatic && description != null ? " - " + description : ""));
        }
    }

    private Optional<String> recipient(Site site) {
        Optional<String> to = MailAddresses.valid(site.getContactEmail());
        if (to.isEmpty()) {
            LOG.warning(() -> "Site " + site.getId() + " has no valid contact e-mail; its admin is not told");
        }
        return to;
    }

    private Map<String, String> common() {
        Map<String, String> vars = new HashMap<>();
        vars.put("hubName", mail.hubName());
        vars.put("hubUrl", settings.issuer());
        vars.put("consoleUrl", settings.issuer() + "/admin/");
        vars.put("contact", mail.from());
        return vars;
    }

    private Map<String, String> siteVars(Site site, Instant now) {
        Map<String, String> vars = common();
        vars.put("siteId", site.getId());
        vars.put("siteUrl", site.getUrl());
        put(vars, "siteName", site.getName());
        vars.put("manageUrl", settings.issuer() + "/api/v1/sites/" + site.getId());
        vars.put("at", time(now));
        return vars;
    }

    private static void put(Map<String, String> vars, String key, String value) {
        if (value != null && !value.isBlank()) {
            vars.put(key, value);
        }
    }

    private static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString().replace("T", " ").replace("Z", " UTC");
    }
}
