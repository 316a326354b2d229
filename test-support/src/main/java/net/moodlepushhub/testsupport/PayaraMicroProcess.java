package net.moodlepushhub.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A WAR running in its own Payara Micro JVM, as in production: {@code java -Duser.timezone=UTC <-Dprops> -jar
 * payara-micro.jar --nocluster --port <p> --deploy <war> --contextroot /} (or, with {@link #loopbackCluster}, as a
 * member of a Payara Micro cluster instead of {@code --nocluster}). The output goes to a log file (appended
 * across restarts, so a crash and the restart after it can be read in one place). {@link #start()} returns once
 * {@code /health/ready} answers 200; {@link #stop()} ends it gracefully (SIGTERM: shutdown hooks and
 * {@code @PreDestroy} run), {@link #kill()} like {@code kill -9}.
 *
 * <pre>
 * try (PayaraMicroProcess hub = new PayaraMicroProcess(jar, war, PayaraMicroProcess.freePort(), log, props)) {
 *     hub.start();
 *     ... hub.baseUrl() ...
 * }
 * </pre>
 */
public final class PayaraMicroProcess implements AutoCloseable {

    private final Path microJar;
    private final Path war;
    private final int port;
    private final Path log;
    private final Map<String, String> systemProperties;
    private final List<String> jvmOptions;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Duration startupTimeout = Duration.ofSeconds(180);
    /** Payara Micro's clustering options: alone by default, as every test but the cluster tests runs. */
    private List<String> clusterOptions = List.of("--nocluster");
    private Process process;

    /**
     * @param microJar         the Payara Micro launcher ({@code <repo>/target/payara-micro.jar})
     * @param war              the application, deployed at the root context
     * @param port             the HTTP port (see {@link #freePort()})
     * @param log              where stdout and stderr go (appended)
     * @param systemProperties {@code -D} options: the application's MicroProfile Config
     */
    public PayaraMicroProcess(Path microJar, Path war, int port, Path log, Map<String, String> systemProperties) {
        this(microJar, war, port, log, systemProperties, List.of("-Xmx512m"));
    }

    /**
     * @param microJar         the Payara Micro launcher
     * @param war              the application, deployed at the root context
     * @param port             the HTTP port
     * @param log              where stdout and stderr go (appended)
     * @param systemProperties {@code -D} options
     * @param jvmOptions       further JVM options (heap size, ...)
     */
    public PayaraMicroProcess(Path microJar, Path war, int port, Path log, Map<String, String> systemProperties, List<String> jvmOptions) {
        this.microJar = microJar;
        this.war = war;
        this.port = port;
        this.log = log;
        this.systemProperties = new LinkedHashMap<>(systemProperties);
        this.jvmOptions = List.copyOf(jvmOptions);
        if (!Files.isRegularFile(microJar)) {
            throw new IllegalArgumentException("No Payara Micro at " + microJar + " (built by hub-server's package phase)");
        }
        if (!Files.isRegularFile(war)) {
            throw new IllegalArgumentException("No WAR at " + war + " (run mvn install -DskipTests first)");
        }
    }

    /** @return a port that was free a moment ago on 127.0.0.1 */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param timeout how long {@link #start()} waits for readiness (default 180 s) @return this */
    public PayaraMicroProcess startupTimeout(Duration timeout) {
        this.startupTimeout = timeout;
        return this;
    }

    /**
     * Starts this instance as a member of a Payara Micro (Hazelcast) cluster found through a TCP/IP member list on
     * loopback, instead of alone ({@code --nocluster}, the default). Instances with the same {@code clusterName}
     * and overlapping member lists form one cluster and share their JCache caches; give each cluster its own
     * name and port range so that two clusters on one machine (hubs, gateways) never merge.
     *
     * @param clusterName  Payara Micro's {@code --clustername}
     * @param startPort    this member's Hazelcast port ({@code --startport}; Hazelcast takes the next free one from there)
     * @param memberPorts  the Hazelcast ports of every member, comma-separated, e.g. {@code "19720,19721"}
     * @return this
     */
    public PayaraMicroProcess loopbackCluster(String clusterName, int startPort, String memberPorts) {
        String members = java.util.Arrays.stream(memberPorts.split(","))
                .map(p -> "127.0.0.1:" + p.trim()).collect(java.util.stream.Collectors.joining(","));
        return clusterOptions(List.of("--clustermode", "tcpip:" + members, "--clustername", clusterName,
                "--startport", Integer.toString(startPort), "--interfaces", "127.0.0.1", "--hzpublicaddress", "127.0.0.1",
                // Every member is on one address: host-aware partitioning would find no other host for backups.
                "--nohostaware"));
    }

    /**
     * @param options Payara Micro's clustering options, replacing {@code --nocluster} (see {@link #loopbackCluster})
     * @return this
     */
    public PayaraMicroProcess clusterOptions(List<String> options) {
        this.clusterOptions = List.copyOf(options);
        return this;
    }

    /** @return {@code http://127.0.0.1:<port>} (no trailing slash) */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** @return the HTTP port */
    public int port() {
        return port;
    }

    /** @return the log file */
    public Path log() {
        return log;
    }

    /** @return the process id, or -1 when not running */
    public long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    /** @return whether the JVM is running */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * Launches the JVM and waits until {@code /health/ready} answers 200.
     *
     * @return this
     */
    public synchronized PayaraMicroProcess start() {
        if (isAlive()) {
            throw new IllegalStateException("already running (pid " + process.pid() + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Duser.timezone=UTC");
        systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", microJar.toString()));
        command.addAll(clusterOptions);
        command.addAll(List.of("--port", Integer.toString(port), "--deploy", war.toString(), "--contextroot", "/"));
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Files.writeString(log, "\n===== " + java.time.Instant.now() + " starting: " + String.join(" ", command) + "\n",
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady();
        return this;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        URI ready = URI.create(baseUrl() + "/health/ready");
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Payara Micro exited with " + process.exitValue() + " before it was ready; log: "
                        + log + "\n" + tail(60));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(250);
        }
        kill();
        throw new IllegalStateException("Payara Micro (" + war.getFileName() + ") was not ready within " + startupTimeout
                + " (last: " + last + "); log: " + log + "\n" + tail(60));
    }

    /** Ends the JVM gracefully (SIGTERM) and waits for it, forcibly after 60 s. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    /** Ends the JVM at once, like {@code kill -9}: no shutdown hook, no {@code @PreDestroy}. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops gracefully and starts again (same port, same configuration). @return this */
    public PayaraMicroProcess restart() {
        stop();
        return start();
    }

    /**
     * @param lines how many
     * @return the last lines of the log
     */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        stop();
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
