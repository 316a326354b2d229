package net.moodlepushhub.hub.mail;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends the outbox, every {@code hub.mail.poll-interval}, on the container's managed scheduled executor. Safe with
 * several hub instances: each claims its own rows ({@link MailOutbox#claim}). A failed attempt is retried with
 * exponential backoff ({@code hub.mail.retry.initial} doubling up to {@code hub.mail.retry.max}) for as long as it
 * takes, so an SMTP outage delays messages and loses none; only a message the SMTP server refuses for good (its
 * recipient does not exist) is marked failed.
 */
@ApplicationScoped
public class MailWorker {

    private static final Logger LOG = Logger.getLogger(MailWorker.class.getName());

    /** Messages claimed per round. */
    private static final int BATCH = 10;
    /** Longer than a batch can take with the SMTP timeouts, so no other instance takes a message being sent. */
    private static final Duration LEASE = Duration.ofMinutes(10);

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService executor;

    @Inject
    MailOutbox outbox;

    @Inject
    MailSender sender;

    @Inject
    MailSettings settings;

    private ScheduledFuture<?> schedule;

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        long millis = settings.pollInterval().toMillis();
        schedule = executor.scheduleWithFixedDelay(this::drain, millis, millis, TimeUnit.MILLISECONDS);
        LOG.info(() -> "E-mail: " + settings.host().map(h -> "SMTP " + h + ":" + settings.port() + " (" + settings.tls().name().toLowerCase() + ")")
                .orElse("no hub.mail.smtp.host, messages are written to " + settings.spoolDirectory().toAbsolutePath()));
    }

    /** One round: claims and sends due messages until none are left or the SMTP server is unreachable. */
    void drain() {
        try {
            while (true) {
                List<OutboxMessage> batch = outbox.claim(BATCH, LEASE);
                for (int i = 0; i < batch.size(); i++) {
                    if (!deliver(batch.get(i))) {
                        // The server is unreachable: give the rest of the batch back with the same backoff.
                        for (OutboxMessage rest : batch.subList(i + 1, batch.size())) {
                            outbox.retry(rest, "not attempted: the SMTP server was unreachable", false);
                        }
                        return;
                    }
                }
                if (batch.size() < BATCH) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            // Keep the schedule alive: a failed round (database down) must not end all future rounds.
            LOG.log(Level.WARNING, "E-mail round failed", e);
        }
    }

    /** @return false when the SMTP server could not be used at all (stop the round) */
    private boolean deliver(OutboxMessage m) {
        try {
            String where = sender.send(m, MailTemplates.render(m.kind(), MailVars.decode(m.getVars()), m.getEvents()));
            if (outbox.sent(m)) {
                LOG.info(() -> "E-mail " + m.getId() + " (" + m.kind().template() + ") to " + m.getRecipient() + ": " + where);
            } else {
                LOG.warning(() -> "E-mail " + m.getId() + " was sent after its lease ran out; another instance may send it again");
            }
            return true;
        } catch (SendFailedException e) {
            // The server answered and refused this recipient: retrying will not help.
            boolean permanent = e.getInvalidAddresses() != null && e.getInvalidAddresses().length > 0;
            outbox.retry(m, e.toString(), permanent);
            LOG.warning(() -> "E-mail " + m.getId() + " to " + m.getRecipient() + " refused" + (permanent ? " for good" : "") + ": " + e.getMessage());
            return true;
        } catch (MessagingException | IOException e) {
            outbox.retry(m, e.toString(), false);
            LOG.warning(() -> "E-mail " + m.getId() + " not sent, will retry (attempt " + (m.getAttempts() + 1) + "): " + e);
            return false;
        } catch (RuntimeException e) {
            outbox.retry(m, e.toString(), false);
            LOG.log(Level.WARNING, "E-mail " + m.getId() + " could not be prepared, will retry", e);
            return true;
        }
    }

    @PreDestroy
    void stop() {
        if (schedule != null) {
            schedule.cancel(false);
        }
    }
}
