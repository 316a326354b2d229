package net.moodlepushhub.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A MariaDB server of the test's own: {@code mariadbd} from the machine's installation, with its own data
 * directory, socket and port, so that a test may stop it and start it again (fault test 5) without touching the
 * MariaDB other tests and helpers share on 3306. It accepts any user without a password
 * ({@code --skip-grant-tables}): it listens on 127.0.0.1 only and lives as long as the test.
 */
final class PrivateMariaDb implements AutoCloseable {

    private final Path dir;
    private final int port;
    private Process process;

    /**
     * @param dir  where its data directory, socket and log go (made anew: every run starts empty)
     * @param port its TCP port on 127.0.0.1
     */
    PrivateMariaDb(Path dir, int port) {
        this.dir = dir.toAbsolutePath();
        this.port = port;
    }

    /** @return the JDBC URL of one of its databases @param database the name */
    String url(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
    }

    /** Makes a fresh data directory with {@code mariadb-install-db}. @return this */
    PrivateMariaDb install() {
        try {
            if (Files.exists(dir)) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(dir);
            run(List.of("mariadb-install-db", "--no-defaults", "--datadir=" + dir.resolve("data"), "--user=" + user(),
                    "--auth-root-authentication-method=normal", "--skip-test-db"), dir.resolve("install.log"));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code mariadbd} and waits until it accepts connections. @return this */
    synchronized PrivateMariaDb start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        try {
            process = new ProcessBuilder(mariadbd(), "--no-defaults", "--datadir=" + dir.resolve("data"), "--user=" + user(),
                    "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + dir.resolve("mysqld.sock"),
                    "--pid-file=" + dir.resolve("mysqld.pid"), "--skip-grant-tables", "--skip-log-bin",
                    "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=2", "--max-connections=400",
                    "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mariadbd.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mariadbd exited with " + process.exitValue() + "; see " + dir.resolve("mariadbd.log"));
            }
            try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/", "root", "")) {
                return this;
            } catch (SQLException e) {
                sleep(100);
            }
        }
        throw new IllegalStateException("mariadbd did not accept connections within 60 s; see " + dir.resolve("mariadbd.log"));
    }

    /** Stops it as an operator does (SIGTERM: clean shutdown) and waits until it has exited. */
    synchronized void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @param database created if missing */
    void create(String database) {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/", "root", "");
             var st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static String user() {
        return System.getProperty("user.name");
    }

    private static String mariadbd() {
        for (String candidate : List.of("/usr/sbin/mariadbd", "/usr/bin/mariadbd", "/usr/local/bin/mariadbd")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "mariadbd";
    }

    private static void run(List<String> command, Path log) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed; see " + log + ":\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
