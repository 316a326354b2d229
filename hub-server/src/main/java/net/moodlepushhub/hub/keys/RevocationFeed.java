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

    /**
     * Appends an event inside the caller's transaction. Call {@link #wakeReaders()} after the commit.
     *
     * @param em    the transaction
     * @param event the event
     */
    public void append(EntityManager em, RevocationEvent event) {
        em.persist(event);
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
