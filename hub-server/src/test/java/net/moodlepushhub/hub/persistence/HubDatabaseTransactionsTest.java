package net.moodlepushhub.hub.persistence;

import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import net.moodlepushhub.hub.TestHub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTransactionRollbackException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The hub's one transaction helper for contended decisions ({@link HubDatabase#inRetryingTransaction}) and its
 * after-commit work, on the embedded H2 with the real schema: a deadlock victim runs again, a conflict becomes
 * {@link ConcurrentChangeException}, anything else is left alone, and after-commit work runs only on commit.
 */
class HubDatabaseTransactionsTest {

    @TempDir
    Path dir;

    HubDatabase db;

    @BeforeEach
    void open() {
        db = new HubDatabase();
        db.open(TestHub.h2(dir));
    }

    @AfterEach
    void close() {
        db.stop();
    }

    @Test
    void aDeadlockVictimRunsAgain() {
        AtomicInteger runs = new AtomicInteger();
        String result = db.inRetryingTransaction(em -> {
            if (runs.incrementAndGet() < HubDatabase.DEADLOCK_ATTEMPTS) {
                throw new PersistenceException(new SQLTransactionRollbackException("Deadlock found", "40001", 1213));
            }
            return "done";
        });
        assertEquals("done", result);
        assertEquals(HubDatabase.DEADLOCK_ATTEMPTS, runs.get());
    }

    @Test
    void aDeadlockThatPersistsIsAConcurrentChange() {
        AtomicInteger runs = new AtomicInteger();
        assertThrows(ConcurrentChangeException.class, () -> db.inRetryingTransaction(em -> {
            runs.incrementAndGet();
            throw new PersistenceException(new SQLTransactionRollbackException("Deadlock found", "40001", 1213));
        }));
        assertEquals(HubDatabase.DEADLOCK_ATTEMPTS, runs.get());
    }

    @Test
    void aLostRowVersionOrATakenUniqueValueIsAConcurrentChangeAtOnce() {
        AtomicInteger runs = new AtomicInteger();
        assertThrows(ConcurrentChangeException.class, () -> db.inRetryingTransaction(em -> {
            runs.incrementAndGet();
            throw new OptimisticLockException("row version moved");
        }));
        assertThrows(ConcurrentChangeException.class, () -> db.inRetryingTransaction(em -> {
            runs.incrementAndGet();
            throw new PersistenceException(new SQLIntegrityConstraintViolationException("Duplicate entry", "23000", 1062));
        }));
        assertEquals(2, runs.get(), "no retry for a conflict another run would meet again");
    }

    @Test
    void otherFailuresAreNotDisguisedAsConflicts() {
        PersistenceException down = new PersistenceException("connection refused");
        assertSame(down, assertThrows(PersistenceException.class, () -> db.inRetryingTransaction(em -> {
            throw down;
        })));
        IllegalStateException bug = new IllegalStateException("bug");
        assertSame(bug, assertThrows(IllegalStateException.class, () -> db.inRetryingTransaction(em -> {
            throw bug;
        })));
    }

    @Test
    void afterCommitWorkRunsOnceAndOnlyOnCommit() {
        AtomicInteger woken = new AtomicInteger();
        Runnable wake = woken::incrementAndGet;
        db.run(em -> {
            db.afterCommit(em, wake);
            db.afterCommit(em, wake);
            assertEquals(0, woken.get(), "not before the commit");
        });
        assertEquals(1, woken.get());
        assertThrows(IllegalStateException.class, () -> db.run(em -> {
            db.afterCommit(em, wake);
            throw new IllegalStateException("rolled back");
        }));
        assertEquals(1, woken.get(), "not after a rollback");
    }
}
