package net.moodlepushhub.hub.keys;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import net.moodlepushhub.hub.persistence.HubDatabase;

import java.time.Duration;
import java.util.List;

/**
 * The append-only feed of revocations and suspensions that gateways follow by long-polling.
 *
 * <p>The feed is gap-free for readers: once a reader has seen sequence number N, no event below N can appear
 * later. Numbers are therefore not taken at insert (an {@code AUTO_INCREMENT} value is taken then but becomes
 * visible at commit, so a transaction that took 10 and commits after the one that took 11 would be skipped by
 * a gateway that read 11 in between). Instead {@link #append} only queues the event, and the very last step
 * of the writing transaction increments the one-row counter {@code revocation_feed_head}, inserts the events
 * with the numbers it got and commits. The counter's row lock, held until that commit, makes numbers commit in
 * order, on MariaDB as on the embedded H2; it is held only for the inserts and the commit, not for the rest of
 * the transaction (signing keys, network calls), and it works across hub instances sharing the database.</p>
 *
 * <p>Writers append inside their own transaction and then wake the waiting readers of this instance; readers
 * also re-check the database every {@link #RECHECK} so that a decision taken on another hub instance reaches
 * them just as fast. That keeps a gateway's view at most a few hundred milliseconds behind the hub.</p>
 */
@ApplicationScoped
public class RevocationFeed {

    /** How often a waiting reader re-reads the database, for events appended by other hub instances. */
    static final Duration RECHECK = Duration.ofMillis(200);

    /** The most events returned in one answer. */
    static final int PAGE = 1000;

    @Inject
    HubDatabase db;

    private final Object signal = new Object();

    /** One instance, so that a transaction appending several events wakes the readers once. */
    private final Runnable wake = this::wakeReaders;

    /**
     * Appends an event to the caller's transaction: it gets its sequence number and is written as the
     * transaction commits (see the class comment); once it committed, the readers of this instance are woken, so
     * no writer has to remember to.
     *
     * @param em    a transaction of {@link HubDatabase#inTransaction}
     * @param event the event
     */
    public void append(EntityManager em, RevocationEvent event) {
        db.beforeCommit(em, tx -> publish(tx, event));
        db.afterCommit(em, wake);
    }

    private static void publish(EntityManager em, RevocationEvent event) {
        // Everything else the transaction changed is written first, so that it takes its row locks before the
        // counter's and nothing but these inserts and the commit happens while the counter is locked: no
        // lock is ever waited for while holding it, so it cannot take part in a deadlock.
        em.flush();
        // The UPDATE both locks the counter until commit and starts the database transaction on the
        // entity manager's connection, so the SELECT below reads the value this transaction wrote.
        em.createNativeQuery("UPDATE revocation_feed_head SET last_seq = last_seq + 1 WHERE id = 1").executeUpdate();
        Number seq = (Number) em.createNativeQuery("SELECT last_seq FROM revocation_feed_head WHERE id = 1").getSingleResult();
        event.assignSeq(seq.longValue());
        em.persist(event);
        em.flush();
    }

    /** Wakes the long-polling readers of this instance so they re-read the feed now. */
    public void wakeReaders() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /**
     * Returns the events after {@code afterSeq}, waiting up to {@code wait} for one to appear.
     *
     * @param afterSeq the last sequence number the reader has
     * @param wait     how long to wait when there is nothing new
     * @return the events, oldest first, at most {@link #PAGE}
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public List<RevocationEvent> after(long afterSeq, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<RevocationEvent> events = read(afterSeq);
            long remaining = deadline - System.nanoTime();
            if (!events.isEmpty() || remaining <= 0) {
                return events;
            }
            synchronized (signal) {
                long millis = Math.max(1, Math.min(RECHECK.toMillis(), remaining / 1_000_000));
                signal.wait(millis);
            }
        }
    }

    private List<RevocationEvent> read(long afterSeq) {
        return db.inTransaction(em -> em.createQuery(
                "select e from RevocationEvent e where e.seq > :after order by e.seq", RevocationEvent.class)
                .setParameter("after", afterSeq)
                .setMaxResults(PAGE)
                .getResultList());
    }
}
