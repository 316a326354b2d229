package net.moodlepushhub.hub.mail;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import net.moodlepushhub.hub.persistence.HubDatabase;
import net.moodlepushhub.hub.registration.Secrets;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The durable outbox. {@link #enqueue} runs inside the caller's transaction, so a message exists exactly when
 * the decision it reports was committed; {@link #claim}, {@link #sent} and {@link #retry} are the worker's side.
 *
 * <p>Rate limit: one message per kind, site and recipient per window ({@code hub.mail.rate-window}, for the
 * operators' digest {@code hub.mail.digest-interval}). An event that arrives while a message of its kind is still
 * waiting (not yet claimed by a worker) is folded into it; otherwise a new message is planned one window after
 * the previous one, so a report storm yields one message now and one folded message per window after.</p>
 */
@ApplicationScoped
public class MailOutbox {

    /** At most this many item lines are kept in a folded message; the count says how many more there were. */
    static final int MAX_ITEMS = 40;

    /**
     * Due messages, oldest first, skipping rows another transaction holds: MariaDB 10.6+ and H2 2.x (in MariaDB
     * mode, the embedded default) both support {@code SKIP LOCKED}. H2 locks every row the query matched, not
     * only the {@code limit} returned, so a second instance gets nothing until the first commits its claim; the
     * embedded database serves one instance anyway. Parameters: now, limit.
     */
    static final String CLAIM_SQL = "select id from mail_outbox where status = 'pending' and next_attempt_at <= ?"
            + " order by next_attempt_at, id limit ? for update skip locked";

    @Inject
    HubDatabase db;

    @Inject
    MailSettings settings;

    /**
     * Plans a message inside the caller's transaction, folded into a waiting one of the same kind when there is.
     *
     * @param em        the transaction of the decision being reported
     * @param kind      what the message is about
     * @param recipient a validated address ({@link MailAddresses#valid})
     * @param siteId    the site it is about, or null (the operators' digest)
     * @param vars      the template values of this event
     * @param item      one line describing this event for a folded message's list, or null
     */
    public void enqueue(EntityManager em, MailKind kind, String recipient, String siteId, Map<String, String> vars, String item) {
        Instant now = Instant.now();
        String foldKey = Secrets.hash("mail:" + kind.name() + "\n" + (siteId == null ? "" : siteId) + "\n" + recipient.toLowerCase(Locale.ROOT));
        // No locking read here: on MariaDB a locking read of a missing index value takes a gap lock, and two
        // decisions enqueueing different keys into the same gap would deadlock on each other's inserts. The
        // latest row of this key is read plainly and, only when it exists, locked by its primary key.
        List<OutboxMessage> latest = em.createQuery("select m from OutboxMessage m where m.foldKey = :key order by m.id desc", OutboxMessage.class)
                .setParameter("key", foldKey).setMaxResults(1).getResultList();
        Duration window = kind == MailKind.ADMIN_DIGEST ? settings.digestInterval() : settings.rateWindow();
        if (!latest.isEmpty()) {
            OutboxMessage last = latest.get(0);
            em.refresh(last, LockModeType.PESSIMISTIC_WRITE);
            // A claimed row may be on its way to the SMTP server right now: folding into it could be lost.
            if (OutboxMessage.PENDING.equals(last.getStatus()) && last.getClaimToken() == null) {
                last.fold(MailVars.encode(MailVars.fold(MailVars.decode(last.getVars()), vars, item, MAX_ITEMS)));
                return;
            }
        }
        Instant slot = now;
        if (!latest.isEmpty() && latest.get(0).getSlotAt().plus(window).isAfter(now)) {
            slot = latest.get(0).getSlotAt().plus(window);
        }
        Map<String, String> first = new java.util.HashMap<>(vars);
        if (slot.isAfter(now)) {
            // Rate-limited: this message follows one sent within the window and says "N more ... since".
            first.put("successor", "true");
        }
        em.persist(new OutboxMessage(kind, recipient, siteId, foldKey, MailVars.encode(MailVars.fold(Map.of(), first, item, MAX_ITEMS)), now, slot));
    }

    /**
     * Claims due messages for this worker: locked rows of other instances are skipped, and each claimed row gets
     * a lease, after which another worker may take it (this one crashed).
     *
     * @param limit most messages
     * @param lease how long they stay ours
     * @return the claimed messages, with their claim token
     */
    public List<OutboxMessage> claim(int limit, Duration lease) {
        String token = UUID.randomUUID().toString();
        return db.inTransaction(em -> {
            Instant now = Instant.now();
            @SuppressWarnings("unchecked")
            List<Object> ids = em.createNativeQuery(CLAIM_SQL)
                    .setParameter(1, Timestamp.from(now)).setParameter(2, limit).getResultList();
            if (ids.isEmpty()) {
                return List.<OutboxMessage>of();
            }
            List<Long> longIds = new ArrayList<>();
            for (Object id : ids) {
                longIds.add(((Number) id).longValue());
            }
            List<OutboxMessage> claimed = em.createQuery("select m from OutboxMessage m where m.id in :ids order by m.id", OutboxMessage.class)
                    .setParameter("ids", longIds).getResultList();
            for (OutboxMessage m : claimed) {
                m.claim(token, now.plus(lease));
            }
            return claimed;
        });
    }

    /**
     * Marks a claimed message sent.
     *
     * @param message the message as claimed
     * @return false when the claim was lost meanwhile (lease ran out and another worker took it)
     */
    public boolean sent(OutboxMessage message) {
        return db.inTransaction(em -> {
            OutboxMessage m = em.find(OutboxMessage.class, message.getId(), LockModeType.PESSIMISTIC_WRITE);
            if (m == null || !message.getClaimToken().equals(m.getClaimToken())) {
                return false;
            }
            m.sent(Instant.now());
            return true;
        });
    }

    /**
     * Puts a claimed message back after a failed attempt, to be tried again after an exponential backoff, or
     * marks it failed for good.
     *
     * @param message   the message as claimed
     * @param error     what went wrong (no secrets: the exception's message)
     * @param permanent whether the SMTP server refused it for good
     */
    public void retry(OutboxMessage message, String error, boolean permanent) {
        db.run(em -> {
            OutboxMessage m = em.find(OutboxMessage.class, message.getId(), LockModeType.PESSIMISTIC_WRITE);
            if (m == null || !message.getClaimToken().equals(m.getClaimToken())) {
                return;
            }
            Duration wait = backoff(m.getAttempts() + 1, settings.retryInitial(), settings.retryMax());
            m.failed(error, Instant.now().plus(wait), permanent);
        });
    }

    /**
     * @param attempts failed attempts so far (1 after the first failure)
     * @param initial  the first wait
     * @param max      the longest wait
     * @return {@code initial * 2^(attempts-1)}, at most {@code max}
     */
    static Duration backoff(int attempts, Duration initial, Duration max) {
        int shift = Math.min(Math.max(attempts - 1, 0), 30);
        Duration d = initial.multipliedBy(1L << shift);
        return d.compareTo(max) > 0 ? max : d;
    }
}
