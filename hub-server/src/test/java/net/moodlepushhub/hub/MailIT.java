package net.moodlepushhub.hub;

import org.awaitility.Awaitility;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import net.moodlepushhub.hub.admin.CreateAdmin;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.PayaraMicroProcess;
import net.moodlepushhub.testsupport.SiteRegistrar;
import net.moodlepushhub.testsupport.StackConfig;
import net.moodlepushhub.testsupport.StandInSite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * E-mail end to end: a real hub (its WAR in its own Payara Micro, on MariaDB) sends to a real SMTP server on
 * loopback (GreenMail, in this JVM). Each message kind arrives once, to the right recipient, with the right
 * content; a report storm is folded; header injection through a site's name fails; an SMTP outage delays the
 * outbox and loses nothing; without an SMTP host the hub writes {@code .eml} files.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MailIT {

    private static final String DB_URL = System.getProperty("it.db.url") + "_mail";
    private static final String DB_USER = System.getProperty("it.db.user", "root");
    private static final String DB_PASSWORD = System.getProperty("it.db.password", "");
    private static final String FEED_TOKEN = "mail-it-feed-token";
    private static final String OPS = "ops@hub.test";
    private static final Duration WAIT = Duration.ofSeconds(60);

    static StandInSite site;
    static GreenMail smtp;
    static int smtpPort;
    static PayaraMicroProcess hubProcess;
    static HttpJson hub;
    static Path work;
    static String admin;
    static Map<String, Object> siteC;

    @BeforeAll
    static void start() throws Exception {
        MariaDbDatabases.recreate(DB_URL, DB_USER, DB_PASSWORD);
        work = Files.createTempDirectory("mail-it");
        site = new StandInSite(0);
        smtpPort = PayaraMicroProcess.freePort();
        smtp = startSmtp();
        hubProcess = startHub(true);
        admin = operatorSession();
    }

    @AfterAll
    static void stop() {
        StackConfig.closeAll(hubProcess, site, smtp == null ? null : smtp::stop);
    }

    @Test
    @Order(1)
    void everyKindArrivesOnceWithTheRightRecipientAndContent() throws Exception {
        Map<String, Object> a = register("/a", "School A", "a-admin@school.test");
        String id = (String) a.get("siteId");
        String url = site.baseUrl() + "/a";
        String token = (String) a.get("managementToken");
        assertThat(hub.send("POST", "api/v1/sites/" + id + "/keys", null, token).status()).isEqualTo(200);
        report(id, "spam", "They spam my students; I am reporter@private.test", false);
        report(id, "excessive-volume", "automatic: 900 notifications in the last 10 minutes against 12 per 10 minutes in the hour before", true);
        assertThat(hub.send("POST", "api/v1/admin/sites/" + id + "/suspend", "{\"reason\":\"Too many notifications\",\"until\":\"2031-01-01T00:00:00Z\"}", admin).status()).isEqualTo(200);
        assertThat(hub.send("POST", "api/v1/admin/sites/" + id + "/reinstate", "{\"reason\":\"Fixed by the site\"}", admin).status()).isEqualTo(200);
        assertThat(hub.send("POST", "api/v1/admin/sites/" + id + "/revoke", "{\"reason\":\"Phishing\"}", admin).status()).isEqualTo(200);

        // 7 to the site's admin, and the operator's digest: one, or two a digest interval apart when the automatic
        // report came after the first digest had been claimed.
        await(() -> to("a-admin@school.test").size() == 7
                && count("select count(*) from mail_outbox where kind = 'ADMIN_DIGEST' and status = 'pending'") == 0);
        Map<String, MimeMessage> bySubject = new java.util.HashMap<>();
        for (MimeMessage m : to("a-admin@school.test")) {
            assertThat(bySubject.put(m.getSubject() + " -> " + to(m), m)).as("sent once: " + m.getSubject()).isNull();
        }
        MimeMessage registered = only(bySubject, "[Test hub] School A (" + url + ") is registered -> a-admin@school.test");
        assertThat(text(registered)).contains(url).contains(token.substring(0, 12)).doesNotContain(token)
                .contains(hubProcess.baseUrl() + "/api/v1/sites/" + id);
        assertThat(html(registered)).contains("<a href=\"" + hubProcess.baseUrl() + "/api/v1/sites/" + id + "\">");
        assertThat(registered.getFrom()[0].toString()).contains("hub@hub.test");
        assertThat(text(only(bySubject, "[Test hub] New keys for " + url + " -> a-admin@school.test"))).contains("rotated");
        String abuse = text(only(bySubject, "[Test hub] Abuse report about " + url + " -> a-admin@school.test"));
        assertThat(abuse).contains("Category: spam").contains("so far: 1").doesNotContain("reporter@private.test").doesNotContain("They spam");
        assertThat(text(only(bySubject, "[Test hub] Unusual notifications from " + url + " -> a-admin@school.test")))
                .contains("900 notifications in the last 10 minutes");
        assertThat(text(only(bySubject, "[Test hub] " + url + " is suspended -> a-admin@school.test")))
                .contains("Reason: Too many notifications").contains("until 2031-01-01 00:00:00 UTC").contains("Appeal");
        assertThat(text(only(bySubject, "[Test hub] " + url + " is active again -> a-admin@school.test"))).contains("Fixed by the site");
        assertThat(text(only(bySubject, "[Test hub] " + url + " is revoked -> a-admin@school.test"))).contains("Reason: Phishing");
        List<String> digests = to(OPS).stream().map(MailIT::text).toList();
        long digestRows = count("select count(*) from mail_outbox where kind = 'ADMIN_DIGEST' and status = 'sent'");
        assertThat(digests).hasSize((int) digestRows).isNotEmpty();
        assertThat(digests.get(0)).contains("spam report about " + url).contains(hubProcess.baseUrl() + "/admin/");
        assertThat(String.join("\n", digests)).contains("automatic excessive-volume report about " + url).contains("900 notifications")
                .doesNotContain("reporter@private.test");
        if (digestRows == 2) {
            // Never two digests within a digest interval, however quickly the reports came.
            assertThat(count("select timestampdiff(SECOND, min(slot_at), max(slot_at)) from mail_outbox where kind = 'ADMIN_DIGEST'"))
                    .isGreaterThanOrEqualTo(3);
        }

        // A report storm about one site: one message per kind per hour, the rest folded into the next one.
        for (int i = 0; i < 3; i++) {
            report(id, "phishing", "more " + i, false);
        }
        assertThat(count("select count(*) from mail_outbox where kind = 'ABUSE_REPORT' and status = 'pending'"
                + " and events = 3 and slot_at >= timestampadd(MINUTE, 59, (select min(slot_at) from mail_outbox where kind = 'ABUSE_REPORT'))")).isEqualTo(1);
        assertThat(count("select count(*) from mail_outbox where kind = 'ABUSE_REPORT'")).isEqualTo(2);
    }

    @Test
    @Order(2)
    void headerInjectionThroughTheSiteNameFails() throws Exception {
        register("/b", "Evil\r\nBcc: victim@evil.test\r\nX-Injected: yes", "b-admin@school.test");
        await(() -> to("b-admin@school.test").size() == 1);
        MimeMessage m = to("b-admin@school.test").get(0);
        assertThat(to(m)).isEqualTo("b-admin@school.test");
        assertThat(m.getAllRecipients()).hasSize(1);
        assertThat(m.getHeader("X-Injected")).isNull();
        assertThat(m.getHeader("Bcc")).isNull();
        assertThat(m.getSubject()).doesNotContain("\n").doesNotContain("\r").contains("Bcc: victim@evil.test");
        assertThat(smtp.getReceivedMessagesForDomain("evil.test")).isEmpty();
    }

    @Test
    @Order(3)
    void anSmtpOutageDelaysMessagesAndLosesNone() throws Exception {
        smtp.stop();
        siteC = register("/c", "School C", "c-admin@school.test");
        String id = (String) siteC.get("siteId");
        assertThat(hub.send("POST", "api/v1/sites/" + id + "/keys", null, (String) siteC.get("managementToken")).status()).isEqualTo(200);
        assertThat(hub.send("POST", "api/v1/admin/sites/" + id + "/suspend", "{\"reason\":\"Check\"}", admin).status()).isEqualTo(200);
        assertThat(count("select count(*) from mail_outbox where site_id = '" + id + "'")).isEqualTo(3);
        // The worker tried while the server was down, more than once for some (backoff), and kept every message.
        await(() -> count("select count(*) from mail_outbox where site_id = '" + id + "' and status = 'pending' and attempts >= 1 and last_error is not null") == 3);
        await(() -> count("select max(attempts) from mail_outbox where site_id = '" + id + "'") >= 2);

        smtp = startSmtp();
        await(() -> count("select count(*) from mail_outbox where site_id = '" + id + "' and status = 'sent'") == 3);
        // Every row is sent: nothing is left for the worker, so nothing arrives twice.
        MimeMessage[] received = to("c-admin@school.test").toArray(new MimeMessage[0]);
        assertThat(received).hasSize(3);
        Set<String> ids = new HashSet<>();
        for (MimeMessage m : received) {
            assertThat(to(m)).isEqualTo("c-admin@school.test");
            assertThat(ids.add(m.getMessageID())).isTrue();
        }
        assertThat(Stream.of(received).map(MailIT::subject).sorted().toList()).containsExactly(
                "[Test hub] New keys for " + site.baseUrl() + "/c",
                "[Test hub] School C (" + site.baseUrl() + "/c) is registered",
                "[Test hub] " + site.baseUrl() + "/c is suspended");
    }

    @Test
    @Order(4)
    void withoutAnSmtpHostMessagesAreWrittenAsEmlFiles() throws Exception {
        hubProcess.stop();
        hubProcess = startHub(false);
        admin = operatorSession();
        smtp.purgeEmailFromAllMailboxes();
        String id = (String) siteC.get("siteId");
        assertThat(hub.send("POST", "api/v1/admin/sites/" + id + "/reinstate", "{}", admin).status()).isEqualTo(200);
        Path dir = work.resolve("hub-data").resolve("mail");
        await(() -> emlFiles(dir).size() == 1);
        String eml = Files.readString(emlFiles(dir).get(0), StandardCharsets.UTF_8);
        assertThat(eml).contains("To: c-admin@school.test").contains("Subject: [Test hub] " + site.baseUrl() + "/c is active again")
                .contains("Content-Type: text/html").contains("Message-ID: <mph-outbox-");
        await(() -> count("select count(*) from mail_outbox where site_id = '" + id + "' and kind = 'REINSTATED' and status = 'sent'") == 1);
        assertThat(to("c-admin@school.test")).isEmpty();
    }

    private static List<MimeMessage> to(String recipient) {
        return Arrays.stream(smtp.getReceivedMessages()).filter(m -> recipient.equals(to(m))).toList();
    }

    private static GreenMail startSmtp() {
        GreenMail g = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        g.start();
        return g;
    }

    private static PayaraMicroProcess startHub(boolean withSmtp) {
        int port = PayaraMicroProcess.freePort();
        Map<String, String> p = StackConfig.hub(DB_URL, DB_USER, DB_PASSWORD, port, site, FEED_TOKEN);
        p.put("hub.name", "Test hub");
        p.put("hub.mail.from", "hub@hub.test");
        p.put("hub.mail.poll-interval", "PT0.5S");
        p.put("hub.mail.retry.initial", "PT1S");
        p.put("hub.mail.retry.max", "PT2S");
        p.put("hub.mail.digest-interval", "PT3S");
        p.put("hub.data-dir", work.resolve("hub-data").toString());
        if (withSmtp) {
            p.put("hub.mail.smtp.host", "127.0.0.1");
            p.put("hub.mail.smtp.port", Integer.toString(smtpPort));
            p.put("hub.mail.smtp.tls", "none");
        }
        PayaraMicroProcess process = new PayaraMicroProcess(Path.of(System.getProperty("payara.microJar")), Path.of(System.getProperty("hub.war")),
                port, work.resolve("hub.log"), p).start();
        hub = new HttpJson(process.baseUrl() + "/");
        return process;
    }

    private static String operatorSession() {
        String username = "ops-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CreateAdmin.run(new String[]{"create-admin", username, "--email", OPS},
                new ByteArrayInputStream((password + "\n").getBytes(StandardCharsets.UTF_8)), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err), Map.of("HUB_DB_URL", DB_URL, "HUB_DB_USER", DB_USER, "HUB_DB_PASSWORD", DB_PASSWORD)::get);
        assertThat(code).as(err.toString()).isZero();
        HttpJson.Answer login = hub.send("POST", "api/v1/admin/login", "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}", null);
        assertThat(login.status()).isEqualTo(200);
        String session = login.get("token");
        assertThat(hub.send("GET", "api/v1/admin/me", null, session).get("email")).isEqualTo(OPS);
        // The admin API refuses anything but one bare address (a second recipient smuggled in a header).
        assertThat(hub.send("PUT", "api/v1/admin/me/email", "{\"email\":\"x@hub.test\\r\\nBcc: victim@evil.test\"}", session).status()).isEqualTo(422);
        assertThat(hub.send("PUT", "api/v1/admin/me/email", "{\"email\":\"" + OPS + "\"}", session).get("email")).isEqualTo(OPS);
        return session;
    }

    private static Map<String, Object> register(String path, String name, String email) {
        return SiteRegistrar.registerAndVerify(hub, site, site.baseUrl() + path, Map.of("name", name, "contactEmail", email));
    }

    private static void report(String siteId, String category, String description, boolean fromGateway) {
        String body = "{\"site\":\"" + siteId + "\",\"category\":\"" + category + "\",\"description\":\"" + description + "\""
                + (fromGateway ? "" : ",\"contact\":\"reporter@private.test\"") + "}";
        assertThat(hub.send("POST", "api/v1/abuse-reports", body, fromGateway ? FEED_TOKEN : null).status()).isEqualTo(202);
    }

    private static void await(BooleanSupplier condition) {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(condition::getAsBoolean);
    }

    private static long count(String sql) {
        return MariaDbDatabases.count(DB_URL, DB_USER, DB_PASSWORD, sql);
    }

    /** The reinstatement's files only: a digest still waiting from the first test may follow, under its own name. */
    private static List<Path> emlFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = new ArrayList<>(s.filter(f -> f.getFileName().toString().endsWith("-reinstated.eml")).toList());
            Collections.sort(files);
            return files;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static MimeMessage only(Map<String, MimeMessage> bySubject, String key) {
        assertThat(bySubject).as("received: " + bySubject.keySet()).containsKey(key);
        return bySubject.get(key);
    }

    private static String to(MimeMessage m) {
        try {
            return m.getRecipients(Message.RecipientType.TO)[0].toString();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String text(MimeMessage m) {
        return part(m, 0);
    }

    private static String html(MimeMessage m) {
        return part(m, 1);
    }

    private static String part(MimeMessage m, int index) {
        try {
            return (String) ((MimeMultipart) m.getContent()).getBodyPart(index).getContent();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
