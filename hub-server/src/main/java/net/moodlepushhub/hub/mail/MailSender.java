package net.moodlepushhub.hub.mail;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import net.moodlepushhub.hub.HubSettings;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.Properties;

/**
 * Hands one rendered message to the SMTP server with Jakarta Mail (the implementation Payara ships), or, without
 * {@code hub.mail.smtp.host}, writes it as an {@code .eml} file to {@code <hub.data-dir>/mail/}.
 *
 * <p>Header injection is impossible by construction: headers are set only through the Mail API, the recipient is
 * a strictly parsed bare address, and the subject and sender name are single lines (control characters replaced)
 * that Jakarta Mail encodes. The Message-ID is derived from the outbox row, so a message that is ever sent twice
 * (a lost lease) can be recognised as the same one.</p>
 */
@ApplicationScoped
public class MailSender {

    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    @Inject
    MailSettings settings;

    @Inject
    HubSettings hub;

    private Session session;

    @PostConstruct
    void init() {
        Properties p = new Properties();
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "30000");
        p.put("mail.smtp.writetimeout", "30000");
        switch (settings.tls()) {
            case STARTTLS -> {
                p.put("mail.smtp.starttls.enable", "true");
                // Never fall back to clear text when the server does not offer STARTTLS.
                p.put("mail.smtp.starttls.required", "true");
                p.put("mail.smtp.ssl.checkserveridentity", "true");
            }
            case TLS -> {
                p.put("mail.smtp.ssl.enable", "true");
                p.put("mail.smtp.ssl.checkserveridentity", "true");
            }
            case NONE -> {
            }
        }
        settings.user().ifPresent(u -> p.put("mail.smtp.auth", "true"));
        session = Session.getInstance(p);
    }

    /**
     * @param message  the outbox row
     * @param rendered its subject and bodies
     * @return where it went, for the log ("smtp host:port" or the file)
     * @throws MessagingException the SMTP server could not be reached or refused the message
     * @throws IOException        the file could not be written
     */
    public String send(OutboxMessage message, MailTemplates.Rendered rendered) throws MessagingException, IOException {
        MimeMessage mime = build(message, rendered);
        if (settings.host().isEmpty()) {
            return write(message, mime).toString();
        }
        try (Transport transport = session.getTransport("smtp")) {
            transport.connect(settings.host().get(), settings.port(), settings.user().orElse(null), settings.user().isPresent() ? settings.password() : null);
            transport.sendMessage(mime, mime.getAllRecipients());
        }
        return "smtp " + settings.host().get() + ":" + settings.port();
    }

    MimeMessage build(OutboxMessage message, MailTemplates.Rendered rendered) throws MessagingException, IOException {
        String messageId = "<mph-outbox-" + message.getId() + "." + message.getCreatedAt().toEpochMilli() + "@" + domain() + ">";
        MimeMessage mime = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        mime.setFrom(new InternetAddress(settings.from(), MailVars.oneLine(settings.hubName()), "UTF-8"));
        mime.setRecipient(Message.RecipientType.TO, new InternetAddress(message.getRecipient(), true));
        mime.setSubject(MailVars.oneLine(rendered.subject()), "UTF-8");
        mime.setSentDate(new Date());
        // RFC 3834: an automatic message; well-behaved auto-responders do not answer it.
        mime.setHeader("Auto-Submitted", "auto-generated");
        MimeBodyPart text = new MimeBodyPart();
        text.setText(rendered.text(), "UTF-8", "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(rendered.html(), "UTF-8", "html");
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(text);
        alternative.addBodyPart(html);
        mime.setContent(alternative);
        mime.saveChanges();
        return mime;
    }

    private Path write(OutboxMessage message, MimeMessage mime) throws IOException, MessagingException {
        Path dir = settings.spoolDirectory();
        Files.createDirectories(dir);
        Path target = dir.resolve(FILE_TIME.format(java.time.Instant.now()) + "-" + message.getId() + "-" + message.kind().template() + ".eml");
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            mime.writeTo(out);
        }
        // Whoever watches the directory sees whole messages only.
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private String domain() {
        try {
            String host = URI.create(hub.issuer()).getHost();
            if (host != null && host.matches("[A-Za-z0-9.-]+")) {
                return host;
            }
        } catch (IllegalArgumentException ignored) {
            // fall through: a malformed public URL still yields a valid Message-ID
        }
        return "moodle-push-hub.invalid";
    }
}
