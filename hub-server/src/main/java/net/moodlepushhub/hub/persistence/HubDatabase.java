package net.moodlepushhub.hub.persistence;

import com.zaxxer.hikari.HikariDataSource;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.Persistence;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.RollbackException;
import net.moodlepushhub.common.config.DatabaseConfig;
import net.moodlepushhub.db.Database;
import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.db.Schema;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The hub's database: a connection pool, the schema migrated to the latest version, and JPA on top.
 *
 * <p>The pool and the persistence unit are created by the application rather than the container so that one
 * set of MicroProfile Config properties ({@code hub.db.url}, {@code hub.db.user}, {@code hub.db.password})
 * selects MariaDB or the embedded default, with Flyway run on the same pool before JPA sees the schema.
 * Transactions are therefore resource-local and demarcated with {@link #inTransaction(Function)}.</p>
 */
@ApplicationScoped
public class HubDatabase {

    private static final Logger LOG = Logger.getLogger(HubDatabase.class.getName());

    private HikariDataSource dataSource;
    private EntityManagerFactory entityManagerFactory;

    /** Work registered by {@link #beforeCommit} for the transaction of each open entity manager. */
    private final Map<EntityManager, List<Consumer<EntityManager>>> beforeCommit = new ConcurrentHashMap<>();

    /** Work registered by {@link #afterCommit} for the transaction of each open entity manager. */
    private final Map<EntityManager, Set<Runnable>> afterCommit = new ConcurrentHashMap<>();

    /** How many times {@link #inRetryingTransaction} runs work whose transaction the database chose as a deadlock victim. */
    static final int DEADLOCK_ATTEMPTS = 3;

    @PostConstruct
    void start() {
        open(DatabaseConfig.read("hub", 16));
    }

    /**
     * Opens the pool, migrates the schema and starts JPA on it. The container calls it through
     * {@code @PostConstruct} with the configured settings; tests call it with their own.
     *
     * @param settings where the database is
     */
    public void open(DatabaseSettings settings) {
        dataSource = Database.open(settings);
        int applied = Database.migrate(dataSource, Schema.HUB);
        LOG.info(() -> "Hub database: " + settings.describe() + ", " + applied + " migration(s) applied");
        Map<String, Object> properties = new HashMap<>();
        properties.put("jakarta.persistence.nonJtaDataSource", dataSource);
        properties.put("eclipselink.persistencexml", "META-INF/hub-persistence.xml");
        properties.put("eclipselink.classloader", HubDatabase.class.getClassLoader());
        properties.put("eclipselink.target-server", "None");
        // MySQL dialect for both MariaDB and the embedded H2, which runs in MariaDB mode: EclipseLink's own H2
        // platform asks for IDENTITY(), which H2 2.x no longer has.
        properties.put("eclipselink.target-database", "MySQL");
        properties.put("eclipselink.weaving", "false");
        properties.put("eclipselink.logging.level", "WARNING");
        properties.put("eclipselink.cache.shared.default", "false");
        entityManagerFactory = Persistence.createEntityManagerFactory("hub", properties);
    }

    /** Closes JPA and the pool. */
    @PreDestroy
    public void stop() {
        if (entityManagerFactory != null) {
            entityManagerFactory.close();
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }

    /** @return the pooled data source (for health checks and plain SQL) */
    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws, so a failed
     * request never leaves anything half-written.
     *
     * @param work what to do with the entity manager
     * @param <T>  the result type
     * @return what {@code work} returned
     */
    public <T> T inTransaction(Function<EntityManager, T> work) {
        EntityManager em = entityManagerFactory.createEntityManager();
        EntityTransaction tx = em.getTransaction();
        try {
            tx.begin();
            T result = work.apply(em);
            List<Consumer<EntityManager>> last = beforeCommit.remove(em);
            if (last != null) {
                for (Consumer<EntityManager> step : last) {
                    step.accept(em);
                }
            }
            tx.commit();
            Set<Runnable> after = afterCommit.remove(em);
            if (after != null) {
                after.forEach(Runnable::run);
            }
            return result;
        } finally {
            beforeCommit.remove(em);
            afterCommit.remove(em);
            if (tx.isActive()) {
                tx.rollback();
            }
            em.close();
        }
    }

    /**
     * Registers work to run as the very last step of the transaction of {@code em}, right before its commit, in
     * the order registered. Whatever locks that work takes are therefore held only for the commit itself.
     *
     * @param em   an entity manager of {@link #inTransaction(Function)}
     * @param step the work
     */
    public void beforeCommit(EntityManager em, Consumer<EntityManager> step) {
        beforeCommit.computeIfAbsent(em, k -> new ArrayList<>()).add(step);
    }

    /**
     * Registers work to run once the transaction of {@code em} committed (not when it rolls back), for
     * consequences outside the database such as waking the revocation feed's readers. The same step registered
     * twice runs once.
     *
     * @param em   an entity manager of {@link #inTransaction(Function)}
     * @param step the work; it must not throw
     */
    public void afterCommit(EntityManager em, Runnable step) {
        afterCommit.computeIfAbsent(em, k -> new LinkedHashSet<>()).add(step);
    }

    /**
     * Like {@link #inTransaction(Function)} for a decision that may meet a concurrent one on the same rows: a
     * transaction the database chose as a deadlock victim is rolled back whole and simply runs again (up to
     * {@value #DEADLOCK_ATTEMPTS} times); a conflict that another run would not settle (a row version changed, a
     * unique index taken meanwhile, still a deadlock) ends as {@link ConcurrentChangeException}.
     *
     * @param work what to do; it may run more than once, so it must have no effect outside the transaction
     * @param <T>  the result type
     * @return what {@code work} returned
     * @throws ConcurrentChangeException when another transaction changed the same rows
     */
    public <T> T inRetryingTransaction(Function<EntityManager, T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return inTransaction(work);
            } catch (PersistenceException e) {
                if (isDeadlock(e) && attempt < DEADLOCK_ATTEMPTS) {
                    continue;
                }
                if (isConflict(e)) {
                    throw new ConcurrentChangeException(e);
                }
                throw e;
            }
        }
    }

    /** Whether a failure is a concurrent change: a lost optimistic lock, a rolled-back commit, a unique index or a deadlock. */
    static boolean isConflict(PersistenceException e) {
        if (e instanceof RollbackException || e instanceof OptimisticLockException || isDeadlock(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLIntegrityConstraintViolationException
                    || t instanceof java.sql.SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                return true;
            }
        }
        return false;
    }

    static boolean isDeadlock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransactionRollbackException) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && ("40001".equals(sql.getSQLState()) || sql.getErrorCode() == 1213)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Like {@link #inTransaction(Function)} without a result.
     *
     * @param work what to do
     */
    public void run(Consumer<EntityManager> work) {
        inTransaction(em -> {
            work.accept(em);
            return null;
        });
    }
}
