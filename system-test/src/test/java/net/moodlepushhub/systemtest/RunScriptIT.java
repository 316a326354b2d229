package net.moodlepushhub.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Starts the system exactly as the README's first command does ({@code ./run}), stops it, and starts it again on the
 * same data directory, sending requests to both services from the first instant {@code ./run} prints its URLs.
 *
 * <p>Why: with a Payara Micro root directory kept from the previous run, each service was deployed twice on a
 * restart; the first deployment was torn down under the requests it was serving (and the hub could stay broken).
 * Nothing that starts the services through {@code PayaraMicroProcess} could see it, because that uses a fresh
 * temporary root directory every time.
 */
class RunScriptIT {

    private static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();
    private static final Path WORK = Path.of(System.getProperty("it.work.dir", "target")).toAbsolutePath();
    private static final Duration STARTUP = Duration.ofMinutes(5);

    private static final java.util.regex.Pattern ISSUER_FROM_METADATA = java.util.regex.Pattern.compile("\"issuerSource\"\\s*:\\s*\"the hub's metadata");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process run;

    @AfterEach
    void stop() throws InterruptedException {
        stopRun();
    }

    @Test
    void aRestartOnTheSameDataServesEveryRequestFromTheMomentItIsReady() throws Exception {
        Path data = Files.createTempDirectory(Files.createDirectories(WORK), "run-it-data");
        int hubPort = freePortPair();
        int gatewayPort = freePortPair();

        Tally first = startAndLoad(data, hubPort, gatewayPort, Duration.ofSeconds(5));
        assertThat(first.serverErrors()).as("5xx on the first start: %s", first).isEmpty();
        assertDeployedOnce(data);
        stopRun();

        Tally second = startAndLoad(data, hubPort, gatewayPort, Duration.ofSeconds(20));
        // Whether the second deployment's teardown lands inside the measured window depends on timing; the log
        // says for certain how many times each application started.
        assertDeployedOnce(data);
        assertThat(second.serverErrors()).as("5xx after a restart on the same data: %s", second).isEmpty();
        assertThat(second.failures.get()).as("requests without an answer after a restart: %s", second).isZero();
        assertThat(second.total()).as("requests sent").isGreaterThan(40);
        // The restart kept the data: the hub's signing key is the same one (it lives in the embedded database).
        assertThat(Files.exists(data.resolve("hub"))).isTrue();
    }

    /**
     * ./run starts both services side by side, so the gateway may come up before its hub answers. It must not say
     * it is ready (and ./run must not print its banner) before it has read the issuer from the hub's metadata:
     * restarted on the same data, it once refused a good key as {@code wrong-issuer} two seconds after the banner.
     */
    private void assertIssuerReadFromTheHub(int gatewayPort) throws Exception {
        URI health = URI.create("http://localhost:" + gatewayPort + "/health");
        String body = http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(ISSUER_FROM_METADATA.matcher(body).find()).as("the gateway's issuer, once ./run says it is running: %s", body).isTrue();
    }

    /** Starts ./run, waits for its "is running" banner, then loads both services for {@code duration}. */
    private Tally startAndLoad(Path data, int hubPort, int gatewayPort, Duration duration) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("run").toString())
                .directory(ROOT.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("RUN_DATA_DIR", data.toString());
        env.put("RUN_BUILD", "never");
        env.put("HUB_PORT", Integer.toString(hubPort));
        env.put("GATEWAY_PORT", Integer.toString(gatewayPort));
        env.put("JAVA_OPTS", "-Xmx384m");
        run = pb.start();
        CountDownLatch banner = new CountDownLatch(1);
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.contains("is running")) {
                        banner.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "run-output");
        reader.setDaemon(true);
        reader.start();
        if (!banner.await(STARTUP.toSeconds(), TimeUnit.SECONDS)) {
            synchronized (output) {
                throw new AssertionError("./run did not print its URLs within " + STARTUP + ":\n" + output);
            }
        }
        assertIssuerReadFromTheHub(gatewayPort);
        String hub = "http://localhost:" + hubPort;
        String gateway = "http://localhost:" + gatewayPort;
        List<HttpRequest> requests = List.of(
                get(hub + "/.well-known/jwks.json"),
                get(hub + "/health/ready"),
                HttpRequest.newBuilder(URI.create(hub + "/api/v1/sites")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"url\":")).build(),
                get(hub + "/api/v1/sites/00000000-0000-0000-0000-000000000000"),
                get(gateway + "/health/ready"),
                HttpRequest.newBuilder(URI.create(gateway + "/api/v1/tokens")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        Tally tally = new Tally();
        long end = System.nanoTime() + duration.toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            int offset = c;
            Thread client = new Thread(() -> {
                for (int i = offset; System.nanoTime() < end; i++) {
                    HttpRequest request = requests.get(i % requests.size());
                    try {
                        tally.count(request, http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
                    } catch (IOException e) {
                        tally.fail(request, e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, "client-" + c);
            client.start();
            clients.add(client);
        }
        for (Thread t : clients) {
            t.join();
        }
        return tally;
    }

    /** Each service's log (written anew by every ./run) shows its application started exactly once. */
    private static void assertDeployedOnce(Path data) throws IOException {
        for (String service : List.of("hub", "gateway")) {
            String log = Files.readString(data.resolve(service + ".log"), StandardCharsets.UTF_8);
            String marker = "moodle-push-hub " + service + " ready";
            assertThat(log.split(java.util.regex.Pattern.quote(marker), -1).length - 1)
                    .as("times the %s application started in %s", service, data.resolve(service + ".log"))
                    .isEqualTo(1);
        }
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build();
    }

    private void stopRun() throws InterruptedException {
        if (run == null) {
            return;
        }
        List<ProcessHandle> children = run.descendants().toList();
        run.destroy(); // SIGTERM: ./run's trap stops both services, as Ctrl-C does
        if (!run.waitFor(90, TimeUnit.SECONDS)) {
            run.descendants().forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly();
        }
        for (ProcessHandle child : children) {
            child.onExit().orTimeout(60, TimeUnit.SECONDS).exceptionally(t -> null).join();
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        run = null;
    }

    /** A port p such that p and p + 1000 (./run's HTTPS port) were both free a moment ago. */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket s = new ServerSocket(0)) {
                int p = s.getLocalPort();
                if (p + 1000 > 65535) {
                    continue;
                }
                try (ServerSocket ssl = new ServerSocket(p + 1000)) {
                    return p;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no free port pair");
    }

    /** Status codes per request, and requests that got no answer at all. */
    private static final class Tally {
        final Map<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
        final AtomicLong failures = new AtomicLong();
        final Map<String, String> firstFailure = new ConcurrentHashMap<>();

        void count(HttpRequest r, int status) {
            byStatus.computeIfAbsent(r.method() + " " + r.uri().getPath() + " " + status, k -> new AtomicLong()).incrementAndGet();
        }

        void fail(HttpRequest r, IOException e) {
            failures.incrementAndGet();
            firstFailure.putIfAbsent(r.method() + " " + r.uri().getPath(), e.toString());
        }

        Map<String, AtomicLong> serverErrors() {
            Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
            byStatus.forEach((k, v) -> {
                if (k.matches(".* 5\\d\\d$")) {
                    errors.put(k, v);
                }
            });
            return errors;
        }

        long total() {
            return byStatus.values().stream().mapToLong(AtomicLong::get).sum() + failures.get();
        }

        @Override
        public String toString() {
            return byStatus + ", without answer " + failures + " " + firstFailure;
        }
    }
}
