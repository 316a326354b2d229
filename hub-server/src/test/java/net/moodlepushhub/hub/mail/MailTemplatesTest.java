package net.moodlepushhub.hub.mail;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Templates, values, folding, addresses and backoff, without a server. */
class MailTemplatesTest {

    private static Map<String, String> vars() {
        Map<String, String> v = new HashMap<>();
        v.put("hubName", "Test hub");
        v.put("hubUrl", "https://hub.example.org");
        v.put("consoleUrl", "https://hub.example.org/admin/");
        v.put("contact", "hub@example.org");
        v.put("siteUrl", "https://moodle.example.edu");
        v.put("siteName", "Example School");
        v.put("siteId", "0f6b2a4e-1111-2222-3333-444455556666");
        v.put("manageUrl", "https://hub.example.org/api/v1/sites/0f6b2a4e-1111-2222-3333-444455556666");
        v.put("at", "2026-11-30 12:00:00 UTC");
        v.put("reason", "spam");
        v.put("until", "until 2026-12-01 12:00:00 UTC");
        v.put("management", "Its management token begins with mphm_AbCdEfG… (only the beginning is shown here).");
        v.put("manageLine", "Read or update the registration: https://hub.example.org/api/v1/sites/0f6b2a4e-1111-2222-3333-444455556666");
        v.put("category", "spam");
        v.put("count", "2");
        v.put("figures", "automatic: 40% of the site's deliveries went to invalid device tokens (40 of 100)");
        v.put("detail", "users 25000 > limit 20000");
        v.put("graceEnds", "2026-12-14 12:00:00 UTC");
        v.put("operator", "alice");
        return v;
    }

    @Test
    void everyKindRendersWithItsSiteUrlALinkAndNoPlaceholderLeft() {
        for (MailKind kind : MailKind.values()) {
            Map<String, String> v = MailVars.fold(Map.of(), vars(), "2026-11-30 12:00:00 UTC: event", 40);
            MailTemplates.Rendered r = MailTemplates.render(kind, v, 1);
            assertThat(r.subject()).as(kind.name()).startsWith("[Test hub] ").doesNotContain("{{").doesNotContain("\n");
            assertThat(r.text()).as(kind.name()).doesNotContain("{{").contains("https://hub.example.org");
            assertThat(r.html()).as(kind.name()).doesNotContain("{{").contains("<a href=\"https://");
            if (kind != MailKind.ADMIN_DIGEST) {
                assertThat(r.text()).as(kind.name()).contains("https://moodle.example.edu");
            } else {
                assertThat(r.text()).contains("- 2026-11-30 12:00:00 UTC: event").contains("https://hub.example.org/admin/");
            }
        }
    }

    @Test
    void valuesCannotBreakOutOfTheirLineOrIntoTheHtml() {
        Map<String, String> v = vars();
        v.put("siteName", "Evil\r\nBcc: victim@evil.test\r\n\r\n<script>alert(1)</script>");
        MailTemplates.Rendered r = MailTemplates.render(MailKind.REGISTERED, v, 1);
        assertThat(r.subject()).doesNotContain("\r").doesNotContain("\n").contains("Evil  Bcc: victim@evil.test");
        assertThat(r.text()).doesNotContain("\nBcc:");
        assertThat(r.html()).doesNotContain("<script>").contains("&lt;script&gt;");
    }

    @Test
    void aFoldedMessageSaysHowManyMoreAndListsThem() {
        Map<String, String> v = MailVars.fold(Map.of(), vars(), "12:00: spam", 40);
        v.put("successor", "true");
        v = MailVars.fold(v, vars(), "12:05: phishing", 40);
        v = MailVars.fold(v, vars(), "12:09: spam", 40);
        MailTemplates.Rendered r = MailTemplates.render(MailKind.ABUSE_REPORT, MailVars.decode(MailVars.encode(v)), 3);
        assertThat(r.text()).contains("3 more reports since the last message").contains("- 12:05: phishing").contains("- 12:09: spam");
        assertThat(r.html()).contains("<li>12:05: phishing</li>");
    }

    @Test
    void itemsAreCappedAndValuesSurviveTheStoredForm() {
        Map<String, String> v = Map.of();
        for (int i = 0; i < 50; i++) {
            v = MailVars.fold(v, Map.of("reason", "line\nbreak = and : and \\ and ü"), "item " + i, MailOutbox.MAX_ITEMS);
        }
        Map<String, String> back = MailVars.decode(MailVars.encode(v));
        assertThat(back).isEqualTo(v);
        assertThat(MailVars.lines(back.get(MailVars.ITEMS))).hasSize(MailOutbox.MAX_ITEMS).startsWith("item 0");
        assertThat(back.get("reason")).isEqualTo("line\nbreak = and : and \\ and ü");
    }

    @Test
    void onlyOneBareStrictlyValidAddressIsAccepted() {
        assertThat(MailAddresses.valid("admin@example.org")).contains("admin@example.org");
        assertThat(MailAddresses.valid(" admin@example.org ")).contains("admin@example.org");
        assertThat(MailAddresses.valid("admin@example.org\r\nBcc: victim@evil.test")).isEmpty();
        assertThat(MailAddresses.valid("Admin <admin@example.org>")).isEmpty();
        assertThat(MailAddresses.valid("a@example.org, b@example.org")).isEmpty();
        assertThat(MailAddresses.valid("no-at-sign")).isEmpty();
        assertThat(MailAddresses.valid("")).isEmpty();
        assertThat(MailAddresses.valid(null)).isEmpty();
    }

    @Test
    void backoffDoublesUpToItsMaximum() {
        Duration initial = Duration.ofSeconds(30);
        Duration max = Duration.ofHours(1);
        assertThat(MailOutbox.backoff(1, initial, max)).isEqualTo(Duration.ofSeconds(30));
        assertThat(MailOutbox.backoff(2, initial, max)).isEqualTo(Duration.ofSeconds(60));
        assertThat(MailOutbox.backoff(5, initial, max)).isEqualTo(Duration.ofSeconds(480));
        assertThat(MailOutbox.backoff(8, initial, max)).isEqualTo(max);
        assertThat(MailOutbox.backoff(1000, initial, max)).isEqualTo(max);
    }

    @Test
    void theQuotaTransitionsOfEveryKnownNameAreMappedAndOthersAreNot() {
        assertThat(MailNotifier.ACTIONS.get("over-quota")).isEqualTo(MailKind.QUOTA_GRACE_STARTED);
        assertThat(MailNotifier.ACTIONS.get("quota-enforced")).isEqualTo(MailKind.QUOTA_GRACE_ENDED);
        assertThat(MailNotifier.ACTIONS.get("within-quota")).isEqualTo(MailKind.QUOTA_OK);
        assertThat(MailNotifier.ACTIONS).doesNotContainKeys("login", "set-quota", "resolve-report", "register", "unregister");
    }
}
