package net.moodlepushhub.hub.keys;

import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.hub.TestHub;
import net.moodlepushhub.hub.persistence.HubDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The revocation feed is gap-free for readers, on the embedded H2 that {@code ./run} uses ({@link
 * RevocationFeedMariaDbIT} runs the same tests on MariaDB): the real {@link HubDatabase} and {@link RevocationFeed}
 * with the real schema, transactions driven by hand so that two of them commit in the order that used to lose an
 * event.
 */
class RevocationFeedTest {

    @TempDir
    Path dir;

    HubDatabase db;
    RevocationFeed feed;
    ExecutorService threads;

    /** @return the database the tests run on */
    DatabaseSettings database() throws Exception {
        return TestHub.h2(dir);
    }

    @BeforeEach
    void open() throws Exception {
        db = new HubDatabase();
        db.open(database());
        feed = new RevocationFeed();
        feed.db = db;
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void close() throws Exception {
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
        db.stop();
    }

    /**
     * Transaction A appends and flushes (as site activation does before signing its keys) and is held before
     * its commit; B appends and commits; a gateway reads; A commits; the gateway reads on from where it was. It
     * must have received both events. With numbers taken at insert, A held 1, B committed 2, the gateway moved to
     * 2 and never read 1.
     */
    @Test
    void anEventCommittedAfterALaterNumberedOneIsNotSkipped() throws Exception {
        CountDownLatch appended = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> slow = threads.submit(() -> db.run(em -> {
            feed.append(em, event("slow"));
            em.flush();
            appended.countDown();
            await(release);
        }));
        assertThat(appended.await(30, TimeUnit.SECONDS)).isTrue();

        db.run(em -> feed.append(em, event("fast")));
        List<RevocationEvent> firstRead = feed.after(0, Duration.ZERO);
        long next = firstRead.isEmpty() ? 0 : firstRead.get(firstRead.size() - 1).getSeq();

        release.countDown();
        slow.get(30, TimeUnit.SECONDS);
        List<RevocationEvent> secondRead = feed.after(next, Duration.ZERO);

        Set<String> seen = new HashSet<>();
        firstRead.forEach(e -> seen.add(e.getSubject()));
        secondRead.forEach(e -> seen.add(e.getSubject()));
        assertThat(seen).as("first read " + subjects(firstRead) + ", then after " + next + ": " + subjects(secondRead))
                .containsExactlyInAnyOrder("slow", "fast");
    }

    /** Many writers at once, each appending several events: the numbers are exactly 1..N, in commit order. */
    @Test
    void concurrentWritersGetConsecutiveNumbers() throws Exception {
        int writers = 12;
        int perWriter = 20;
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            done.add(threads.submit(() -> {
                for (int i = 0; i < perWriter; i++) {
                    int n = i;
                    db.run(em -> {
                        feed.append(em, event("w" + writer + "-" + n + "-a"));
                        feed.append(em, event("w" + writer + "-" + n + "-b"));
                    });
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(120, TimeUnit.SECONDS);
        }
        List<Long> seqs = db.inTransaction(em -> em.createQuery("select e.seq from RevocationEvent e order by e.seq", Long.class)
                .getResultList());
        assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, writers * perWriter * 2L).boxed().toList());
    }

    /** A transaction that fails after appending leaves no event and no hole in the numbering. */
    @Test
    void aRolledBackAppendLeavesNoHole() throws Exception {
        db.run(em -> feed.append(em, event("one")));
        assertThatThrownBy(() -> db.run(em -> {
            feed.append(em, event("lost"));
            throw new IllegalStateException("the request failed");
        })).isInstanceOf(IllegalStateException.class);
        db.run(em -> feed.append(em, event("two")));
        List<RevocationEvent> all = feed.after(0, Duration.ZERO);
        assertThat(subjects(all)).containsExactly("one", "two");
        assertThat(all.stream().map(RevocationEvent::getSeq).toList()).containsExactly(1L, 2L);
    }

    static RevocationEvent event(String subject) {
        return new RevocationEvent(RevocationEvent.KEY, subject, RevocationEvent.REVOKE, Instant.now().plusSeconds(3600), Instant.now());
    }

    static List<String> subjects(List<RevocationEvent> events) {
        return events.stream().map(RevocationEvent::getSubject).toList();
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
