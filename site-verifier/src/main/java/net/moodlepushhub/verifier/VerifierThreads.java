package net.moodlepushhub.verifier;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads shared by all verifiers, created on first use.
 *
 * <ul>
 *   <li>The watchdog fires at each verification's deadline and aborts the exchange in progress. It is needed
 *       because socket timeouts bound each read, not the whole response: a server dripping one byte per second
 *       would otherwise keep a verification alive indefinitely.</li>
 *   <li>The DNS pool runs name resolution so that the caller can stop waiting at the deadline;
 *       {@link java.net.InetAddress#getAllByName(String)} has no timeout parameter and is not interruptible.</li>
 * </ul>
 * Both hold only daemon threads, so they never keep the JVM alive; idle DNS threads end after 30 seconds.
 */
final class VerifierThreads {

    private VerifierThreads() {
    }

    private static final class Holder {
        static final ScheduledExecutorService WATCHDOG = watchdog();
        static final ExecutorService DNS = dns();

        private static ScheduledExecutorService watchdog() {
            final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, daemon("site-verifier-watchdog"));
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }

        private static ExecutorService dns() {
            return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                    daemon("site-verifier-dns"));
        }
    }

    static ScheduledExecutorService watchdog() {
        return Holder.WATCHDOG;
    }

    static ExecutorService dns() {
        return Holder.DNS;
    }

    private static ThreadFactory daemon(final String prefix) {
        final AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            final Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
