package net.moodlepushhub.bench;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPayloadBuilder;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import net.moodlepushhub.gateway.delivery.InFlightBound;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.MockApnsFixture;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The project's benchmarks. Each prints its figure next to a baseline measured in the same run, and the
 * ratio between them, so numbers from different machines can be compared.
 *
 * <pre>
 *   bench/run [registration|gateway|tokens|broadcast|revocation|limiter|keys|all]
 * </pre>
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        int status = 0;
        try {
            run(args);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        // Pushy's and the JDK HTTP client's threads would otherwise keep the JVM alive, after a failure too.
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status);
    }

    private static void run(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
        String which = args.length == 0 ? "all" : args[0];
        if (which.equals("registration") || which.equals("all")) {
            registration(root);
        }
        if (which.equals("gateway") || which.equals("all")) {
            gateway(root, Integer.getInteger("bench.notifications", 300_000));
        }
        if (which.equals("tokens") || which.equals("all")) {
            tokens(root);
        }
        if (which.equals("broadcast") || which.equals("all")) {
            broadcast(root, Integer.getInteger("bench.devices", 100_000));
        }
        if (which.equals("revocation") || which.equals("all")) {
            revocation(root, Integer.getInteger("bench.revocations", 30));
        }
        if (which.equals("limiter") || which.equals("all")) {
            limiter(root);
        }
        if (which.equals("keys") || which.equals("all")) {
            keys(Integer.getInteger("bench.keys", 1000));
        }
    }

    /** Registration + verification rate of the hub, against the bare HTTP fetch of a challenge as baseline. */
    static void registration(Path root) throws Exception {
        int n = Integer.getInteger("bench.registrations", 300);
        int threads = 8;
        try (Stack stack = Stack.start(root, false)) {
            stack.registerSite("/warmup");
            stack.site.serve("/baseline", "x");
            double baseline = rate(n * 4, threads, i -> {
                // What a verification cannot avoid: one fresh HTTP connection and GET to the site.
                HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                fresh.send(HttpRequest.newBuilder(URI.create(stack.site.baseUrl() + "/baseline")).build(), HttpResponse.BodyHandlers.ofString());
            });
            double hubRate = rate(n, threads, i -> stack.registerSite("/site-" + i));
            System.out.printf(Locale.ROOT, "%nregistration: %d registrations+verifications, %d clients, MariaDB%n", n, threads);
            System.out.printf(Locale.ROOT, "  baseline  bare challenge fetch (new connection each) : %8.0f /s%n", baseline);
            System.out.printf(Locale.ROOT, "  hub       register + verify (2 requests, 1 callback)  : %8.1f /s%n", hubRate);
            System.out.printf(Locale.ROOT, "  ratio     hub / baseline                              : %8.3f%n", hubRate / baseline);
        }
    }

    /** Longest wait for a quiet machine before a measured stretch ({@link CpuMeter#awaitQuiet}). */
    static final Duration QUIET_WAIT = Duration.ofSeconds(Integer.getInteger("bench.quiet-wait-seconds", 60));

    /** Notifications per warm-up round of the gateway; rounds run until its JIT has settled ({@link JitSettling}). */
    static final int GATEWAY_WARMUP = Integer.getInteger("bench.gateway.warmup", 20_000);

    /** Rounds of the gateway benchmark: each a direct trial, then a gateway trial, on a quiet machine. */
    static final int GATEWAY_ROUNDS = Integer.getInteger("bench.gateway.rounds", 5);

    /**
     * Gateway accept and delivery rates against Pushy sending directly to the same MockApnsServer. Both sides are
     * warmed until their JIT settled; then {@link #GATEWAY_ROUNDS} rounds each time a direct trial and right after
     * it a gateway trial of {@code n / rounds} notifications, each on a quiet machine. On this shared machine the
     * same trial moved by up to 2x within a run (the CPU we get varies), so the ratio is taken per round, between
     * two measurements seconds apart, and the median of the rounds is reported.
     */
    static void gateway(Path root, int n) throws Exception {
        // The warm-up and the measured sends together exceed the default per-site limit of 60,000 a minute.
        try (Stack stack = Stack.start(root, true, Map.of("gateway.quota.notifications-per-minute", "100000000"))) {
            Map<String, Object> site = stack.registerSite("/gateway");
            // To 40,000 devices at most, sent to in turn.
            List<String> tokens = stack.seedTokens((String) site.get("siteId"), Math.min(n, 40_000));
            List<String> warmup = stack.seedTokens((String) site.get("siteId"), Math.max(1000, GATEWAY_WARMUP / 10));
            String siteKey = (String) site.get("siteKey");

            try (PushyDirect direct = PushyDirect.warmed(stack.apns, tokens)) {
                // Warm the gateway up (JIT, pools, HTTP/2 connections) until its JIT has settled, as Pushy was, on
                // other devices; not measured. The warm-up devices are sent to repeatedly, in the measured request shape.
                List<String> warmBatches = batches(warmup, GATEWAY_WARMUP);
                JitSettling.Result gatewayWarmup = JitSettling.warm(stack.gateway.pid(), () -> {
                    int warm = stack.apns.acceptedCount();
                    rate(warmBatches.size(), 4, i -> send(stack, siteKey, warmBatches.get(i)));
                    waitFor(() -> stack.apns.acceptedCount() - warm >= GATEWAY_WARMUP, Duration.ofMinutes(5));
                });

                int rounds = GATEWAY_ROUNDS;
                int perRound = Math.max(1000, n / rounds / 1000 * 1000);
                List<String> batches = batches(tokens, perRound);
                double[] directRates = new double[rounds];
                double[] accepted = new double[rounds];
                double[] delivered = new double[rounds];
                double[] ratios = new double[rounds];
                String[] cpuLines = new String[rounds];
                String[] directCpuLines = new String[rounds];
                double waited = 0;
                for (int r = 0; r < rounds; r++) {
                    waited += settle();
                    CpuMeter directCpu = new CpuMeter(stack).start();
                    directRates[r] = direct.trial();
                    directCpuLines[r] = directCpu.per("direct send", direct.trial.size());
                    waited += settle();
                    int before = stack.apns.acceptedCount();
                    CpuMeter cpu = new CpuMeter(stack).start();
                    long start = System.nanoTime();
                    accepted[r] = rate(batches.size(), 4, i -> send(stack, siteKey, batches.get(i))) * 1000;
                    waitFor(() -> stack.apns.acceptedCount() - before >= perRound, Duration.ofMinutes(5));
                    delivered[r] = perRound / seconds(start);
                    cpuLines[r] = cpu.per("notification", perRound);
                    ratios[r] = delivered[r] / directRates[r];
                }
                double medianRatio = median(ratios);
                int medianRound = nearest(ratios, medianRatio);
                System.out.printf(Locale.ROOT, "%ngateway: %d rounds of a Pushy-direct trial (%,d sends) then a gateway trial (%,d notifications: requests of 1,000 recipients, 4 clients),"
                                + " MockApnsServer (TLS, HTTP/2, token auth, accept-all), MariaDB; each trial on a quiet machine (waited %.1f s in all); both sides warmed until their JIT settled:"
                                + " gateway %s of %,d, Pushy %s%n", rounds, direct.trial.size(), perRound, waited, gatewayWarmup.describe(), GATEWAY_WARMUP, direct.warmup.describe());
                System.out.printf(Locale.ROOT, "  rounds    Pushy direct /s      : %s%n", joined(directRates, "%.0f"));
                System.out.printf(Locale.ROOT, "  rounds    gateway accepted /s  : %s%n", joined(accepted, "%.0f"));
                System.out.printf(Locale.ROOT, "  rounds    gateway delivered /s : %s%n", joined(delivered, "%.0f"));
                System.out.printf(Locale.ROOT, "  rounds    delivered / direct   : %s%n", joined(ratios, "%.3f"));
                System.out.printf(Locale.ROOT, "  baseline  Pushy direct (median of %d)   : %8.0f /s%n", rounds, median(directRates));
                System.out.printf(Locale.ROOT, "  gateway   accepted (HTTP API, durable) : %8.0f /s   median   (aim >= 30,000 /s)%n", median(accepted));
                System.out.printf(Locale.ROOT, "  gateway   delivered (at the mock)      : %8.0f /s   median; ratio to direct in the same round, median %.3f   (aim >= 0.5)%n",
                        median(delivered), medianRatio);
                System.out.printf(Locale.ROOT, "  (CPU of the round whose ratio is nearest the median, round %d: the gateway trial, then the direct trial)%n%s%n%s%n",
                        medianRound + 1, cpuLines[medianRound], directCpuLines[medianRound]);
            }
        }
    }

    private static void send(Stack stack, String siteKey, String body) throws Exception {
        HttpJson.Answer a = stack.gatewayApi.send("POST", "api/v1/notifications", body, siteKey);
        if (a.status() != 202) {
            throw new IllegalStateException(a.toString());
        }
    }


    /** Send requests of 1,000 recipients each, {@code total} recipients in all, cycling through {@code tokens}. */
    private static List<String> batches(List<String> tokens, int total) {
        List<String> batches = new ArrayList<>();
        for (int from = 0; from < total; from += 1000) {
            StringBuilder body = new StringBuilder("{\"alert\":\"Bench message\",\"title\":\"Moodle\",\"extra\":{\"courseid\":\"2\",\"notification\":1},\"tokens\":[");
            // Distinct tokens within one request (duplicates are answered, not sent).
            int size = Math.min(Math.min(1000, total - from), tokens.size());
            for (int i = 0; i < size; i++) {
                body.append(i == 0 ? "" : ",").append('"').append(tokens.get((from + i) % tokens.size())).append('"');
            }
            batches.add(body.append("]}").toString());
        }
        return batches;
    }

    /** Time from a broadcast request to the last delivery, for a large site. */
    static void broadcast(Path root, int devices) throws Exception {
        try (Stack stack = Stack.start(root, true)) {
            Map<String, Object> site = stack.registerSite("/broadcast");
            List<String> tokens = stack.seedTokens((String) site.get("siteId"), devices);
            try (PushyDirect direct = PushyDirect.warmed(stack.apns, tokens)) {
                // Warm the gateway's broadcast path up on another site until its JIT has settled, as Pushy was; not measured.
                Map<String, Object> warmSite = stack.registerSite("/broadcast-warmup");
                int warmDevices = Math.max(1000, GATEWAY_WARMUP);
                stack.seedTokens((String) warmSite.get("siteId"), warmDevices);
                JitSettling.Result gatewayWarmup = JitSettling.warm(stack.gateway.pid(), () -> {
                    int warm = stack.apns.acceptedCount();
                    HttpJson.Answer w = stack.gatewayApi.send("POST", "api/v1/broadcasts", "{\"alert\":\"Warm-up\"}", (String) warmSite.get("siteKey"));
                    if (w.status() != 202) {
                        throw new IllegalStateException(w.toString());
                    }
                    waitFor(() -> stack.apns.acceptedCount() - warm >= warmDevices, Duration.ofMinutes(5));
                });
                // Rounds, as in the gateway benchmark: Pushy direct to the same devices, then the broadcast, each on a
                // quiet machine; the ratio is taken within the round.
                int rounds = BROADCAST_ROUNDS;
                double[] directSeconds = new double[rounds];
                double[] acceptedSeconds = new double[rounds];
                double[] lastSeconds = new double[rounds];
                double[] ratios = new double[rounds];
                String[] cpuLines = new String[rounds];
                long rssBefore = stack.gatewayRssKb();
                long[] peakRss = {rssBefore};
                double waited = 0;
                for (int r = 0; r < rounds; r++) {
                    waited += settle();
                    // The direct trial sends to the same devices (at least DIRECT_TRIAL sends): its time for as many as the broadcast has.
                    directSeconds[r] = devices / direct.trial();
                    waited += settle();
                    int before = stack.apns.acceptedCount();
                    CpuMeter cpu = new CpuMeter(stack).start();
                    long start = System.nanoTime();
                    HttpJson.Answer a = stack.gatewayApi.send("POST", "api/v1/broadcasts", "{\"alert\":\"Campus closed today\"}", (String) site.get("siteKey"));
                    if (a.status() != 202) {
                        throw new IllegalStateException(a.toString());
                    }
                    acceptedSeconds[r] = seconds(start);
                    waitFor(() -> {
                        peakRss[0] = Math.max(peakRss[0], stack.gatewayRssKb());
                        return stack.apns.acceptedCount() - before >= devices;
                    }, Duration.ofMinutes(10));
                    lastSeconds[r] = seconds(start);
                    cpuLines[r] = cpu.per("device", devices);
                    ratios[r] = lastSeconds[r] / directSeconds[r];
                }
                double medianRatio = median(ratios);
                int medianRound = nearest(ratios, medianRatio);
                System.out.printf(Locale.ROOT, "%nbroadcast: %d rounds of Pushy direct to the %,d devices then one broadcast request to them, each on a quiet machine (waited %.1f s in all);"
                                + " both sides warmed until their JIT settled: gateway %s of a broadcast to %,d devices, Pushy %s%n",
                        rounds, devices, waited, gatewayWarmup.describe(), warmDevices, direct.warmup.describe());
                System.out.printf(Locale.ROOT, "  rounds    Pushy direct, s          : %s%n", joined(directSeconds, "%.2f"));
                System.out.printf(Locale.ROOT, "  rounds    gateway accepted after, s : %s%n", joined(acceptedSeconds, "%.2f"));
                System.out.printf(Locale.ROOT, "  rounds    gateway last delivery, s  : %s%n", joined(lastSeconds, "%.2f"));
                System.out.printf(Locale.ROOT, "  rounds    last delivery / direct    : %s%n", joined(ratios, "%.3f"));
                System.out.printf(Locale.ROOT, "  baseline  Pushy direct, same devices  : %8.2f s (median)%n", median(directSeconds));
                System.out.printf(Locale.ROOT, "  gateway   request accepted after     : %8.2f s (median)%n", median(acceptedSeconds));
                System.out.printf(Locale.ROOT, "  gateway   last delivery after        : %8.2f s (median); ratio to direct in the same round, median %.3f   (aim <= 2 and < 10 s)%n",
                        median(lastSeconds), medianRatio);
                System.out.printf(Locale.ROOT, "  gateway   peak RSS during broadcasts : %8.0f MiB (%s; %.0f MiB before)%n", peakRss[0] / 1024.0, stack.gatewayHeap(), rssBefore / 1024.0);
                System.out.printf(Locale.ROOT, "  (CPU of the round whose ratio is nearest the median, round %d:)%n%s%n", medianRound + 1, cpuLines[medianRound]);
            }
        }
    }

    /** Rounds of the broadcast benchmark. */
    static final int BROADCAST_ROUNDS = Integer.getInteger("bench.broadcast.rounds", 3);


    /** Requests of each kind (registrations on another site, authenticated GETs) per warm-up round of the token benchmark. */
    static final int TOKENS_WARMUP = Integer.getInteger("bench.tokens.warmup", 20_000);

    /**
     * Device-token registration through the HTTP API (site key, 16 clients), for one site at 0-10k devices and
     * again at 990k-1M (the bulk seeded straight into the database), against a cheap authenticated request by
     * the same clients in the same run (the key check both pay).
     */
    static void tokens(Path root) throws Exception {
        int n = Integer.getInteger("bench.token-registrations", 10_000);
        int bulk = Integer.getInteger("bench.token-bulk", 1_000_000);
        int clients = Integer.getInteger("bench.token-clients", 16);
        try (Stack stack = Stack.start(root, true, Map.of("gateway.quota.token-registrations-per-minute", "100000000", "gateway.quota.max-devices", "2000000"));
             LoadClient load = new LoadClient(stack.gateway.baseUrl(), clients)) {
            // Two sites measured in the same state of the JIT, one after the other: a fresh one from 0 to n devices
            // and a large one from bulk - n to bulk (the bulk seeded straight into the database). Both are measured
            // after the same warm-up, on a third site, so that the ratio says what the device count costs, not how
            // far the JIT had got (measured first with 2,000 warm-up sends, the small site ran at half the speed of
            // the large one).
            Map<String, Object> large = stack.registerSite("/tokens-large");
            Map<String, Object> fresh = stack.registerSite("/tokens-fresh");
            Map<String, Object> warmSite = stack.registerSite("/tokens-warm-up");
            java.util.concurrent.ConcurrentHashMap<Integer, AtomicInteger> statuses = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.function.Function<Map<String, Object>, Task> registerOn = s -> {
                String siteKey = (String) s.get("siteKey");
                return i -> {
                    int status = load.send("POST", "api/v1/tokens", "{\"token\":\"" + MockApnsFixture.randomToken() + "\",\"device\":\"ios\"}", siteKey);
                    statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                };
            };
            String key = (String) warmSite.get("siteKey");
            Task cheap = i -> {
                int status = load.send("GET", "api/v1/invalidated-tokens?limit=1", null, key);
                if (status != 200) {
                    throw new IllegalStateException("the baseline GET answered " + status);
                }
            };
            // Warm until the gateway's JIT has settled (JitSettling): rounds of both kinds, measured after it. With
            // the GET rate as the criterion, the compiler still took 50-77 us of the gateway's CPU per request in
            // the measured stretches.
            Task warmRegister = registerOn.apply(warmSite);
            int round = TOKENS_WARMUP / 2;
            JitSettling.Result warmup = JitSettling.warm(stack.gateway.pid(), () -> {
                rate(round, clients, cheap);
                rate(round, clients, warmRegister);
            });
            int warmed = warmup.rounds() * round;
            int warmedRequests = warmed;
            long seeded = System.nanoTime();
            stack.seedBulkTokens((String) large.get("siteId"), bulk - n);
            double seedSeconds = seconds(seeded);

            CpuMeter cpu = new CpuMeter(stack).start();
            double baseline = rate(n, clients, cheap);
            String cpuBaseline = cpu.per("authenticated GET", n);
            cpu.start();
            double early = rate(n, clients, registerOn.apply(fresh));
            String cpuEarly = cpu.per("registration", n);
            cpu.start();
            double late = rate(n, clients, registerOn.apply(large));
            String cpuLate = cpu.per("registration", n);
            double baselineLate = rate(n, clients, cheap);
            System.out.printf(Locale.ROOT, "%ntokens: device-token registration, POST /api/v1/tokens with the site key, %d clients (Apache HttpClient 5, kept-alive connections), MariaDB with a %d MiB buffer pool (bulk of %,d seeded in %.0f s);"
                    + " both kinds warmed with %,d requests each on a third site, until the gateway's JIT settled (%s); measured in turn: GET, small site, large site, GET%n",
                    clients, stack.bufferPoolMiB(), bulk - n, seedSeconds, warmedRequests, warmup.describe());
            System.out.printf(Locale.ROOT, "  baseline  authenticated GET, same clients      : %8.0f /s (early) %8.0f /s (late)%n", baseline, baselineLate);
            System.out.printf(Locale.ROOT, "  gateway   registrations at 0-%,d devices    : %8.0f /s   ratio to baseline %.3f   (aim >= 2,000 /s)%n", n, early, early / baseline);
            System.out.printf(Locale.ROOT, "  gateway   registrations at %,d-%,d devices : %8.0f /s   ratio to baseline %.3f%n", bulk - n, bulk, late, late / baselineLate);
            System.out.printf(Locale.ROOT, "  ratio     late / early                         : %8.3f   (aim: flat, 1.0)%n", late / early);
            System.out.printf(Locale.ROOT, "  answers   %s   (aim: no 5xx)%n", new java.util.TreeMap<>(statuses));
            System.out.println(cpuBaseline + "   (early baseline)");
            System.out.println(cpuEarly + "   (early)");
            System.out.println(cpuLate + "   (late)");
        }
    }

    /**
     * Time from the hub's decision to the gateway refusing: key revocations (rotation) and site suspensions
     * by an admin, alternately. Measured from the hub's answer (the decision is committed by then).
     */
    static void revocation(Path root, int runs) throws Exception {
        try (Stack stack = Stack.start(root, true)) {
            Map<String, Object> site = stack.registerSite("/revocation");
            String siteId = (String) site.get("siteId");
            String management = (String) site.get("managementToken");
            String key = (String) site.get("siteKey");
            String admin = stack.adminSession();
            List<Double> revoked = new ArrayList<>();
            List<Double> suspended = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                if (stack.gatewayApi.send("GET", "api/v1/deliveries", null, key).status() != 200) {
                    throw new IllegalStateException("fresh key refused");
                }
                if (r % 2 == 0) {
                    HttpJson.Answer rotated = stack.hubApi.send("POST", "api/v1/sites/" + siteId + "/keys", null, management);
                    revoked.add(untilStatus(stack, key, 401));
                    key = rotated.get("siteKey");
                } else {
                    HttpJson.Answer s = stack.hubApi.send("POST", "api/v1/admin/sites/" + siteId + "/suspend", "{\"reason\":\"bench\"}", admin);
                    if (s.status() != 200) {
                        throw new IllegalStateException(s.toString());
                    }
                    suspended.add(untilStatus(stack, key, 403));
                    stack.hubApi.send("POST", "api/v1/admin/sites/" + siteId + "/reinstate", "{\"reason\":\"bench\"}", admin);
                    untilStatus(stack, key, 200);
                }
            }
            System.out.printf(Locale.ROOT, "%nrevocation: time from the hub's decision to the gateway refusing (budget 1000 ms)%n");
            print("key revoked (rotation)", revoked);
            print("site suspended (admin)", suspended);
        }
    }

    private static double untilStatus(Stack stack, String key, int status) throws Exception {
        long decided = System.nanoTime();
        while (stack.gatewayApi.send("GET", "api/v1/deliveries", null, key).status() != status) {
            if (System.nanoTime() - decided > TimeUnit.SECONDS.toNanos(10)) {
                throw new IllegalStateException("gateway did not answer " + status + " within 10 s");
            }
            Thread.sleep(2);
        }
        return (System.nanoTime() - decided) / 1e6;
    }

    private static void print(String what, List<Double> millis) {
        Collections.sort(millis);
        System.out.printf(Locale.ROOT, "  %-24s n=%-3d median %6.1f ms   p90 %6.1f ms   worst %6.1f ms   worst/budget %.3f%n", what, millis.size(),
                millis.get(millis.size() / 2), millis.get((int) (millis.size() * 0.9)), millis.get(millis.size() - 1), millis.get(millis.size() - 1) / 1000);
    }

    /**
     * The rate limiter's own cost per request (the in-memory path a single instance uses), against the median
     * latency of a cheap authenticated gateway request measured in the same run.
     */
    static void limiter(Path root) throws Exception {
        net.moodlepushhub.gateway.quota.RateLimiter limiter = new net.moodlepushhub.gateway.quota.RateLimiter();
        net.moodlepushhub.gateway.quota.Limit limit = new net.moodlepushhub.gateway.quota.Limit("notifications-minute", 1_000_000_000L, Duration.ofMinutes(1));
        String[] sites = new String[10_000];
        for (int i = 0; i < sites.length; i++) {
            sites[i] = java.util.UUID.randomUUID().toString();
        }
        for (int i = 0; i < 2_000_000; i++) {
            limiter.take(sites[i % sites.length], limit, 1);
        }
        int n = 5_000_000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            limiter.take(sites[i % sites.length], limit, 1);
        }
        double nsPerTake = (System.nanoTime() - start) / (double) n;
        double requestMicros;
        try (Stack stack = Stack.start(root, true)) {
            Map<String, Object> site = stack.registerSite("/limiter");
            String key = (String) site.get("siteKey");
            List<Double> micros = new ArrayList<>();
            for (int i = 0; i < 1500; i++) {
                long t = System.nanoTime();
                stack.gatewayApi.send("GET", "api/v1/deliveries?limit=1", null, key);
                if (i >= 500) {
                    micros.add((System.nanoTime() - t) / 1e3);
                }
            }
            Collections.sort(micros);
            requestMicros = micros.get(micros.size() / 2);
        }
        System.out.printf(Locale.ROOT, "%nlimiter: token bucket take, in-memory path, 10,000 sites%n");
        System.out.printf(Locale.ROOT, "  baseline  median authenticated gateway request : %8.1f us%n", requestMicros);
        System.out.printf(Locale.ROOT, "  limiter   one take                             : %8.3f us%n", nsPerTake / 1000);
        System.out.printf(Locale.ROOT, "  ratio     take / request                       : %8.5f  (a send takes 2: per minute and per day)%n", nsPerTake / 1000 / requestMicros);
    }

    /**
     * The gateway's access-key verification per request, in process: a key already seen (served by the cache of
     * verified keys) against the full check of the same keys (ES256 signature and claims), with the same verifier
     * code, the same keys and the same warm-up on both sides. Revocation and suspension are checked on both.
     */
    static void keys(int distinct) throws Exception {
        com.nimbusds.jose.jwk.ECKey hubKey = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("bench").generate();
        var jwks = new com.nimbusds.jose.jwk.source.ImmutableJWKSet<com.nimbusds.jose.proc.SecurityContext>(
                new com.nimbusds.jose.jwk.JWKSet(hubKey.toPublicJWK()));
        String issuer = "http://hub.bench";
        String audience = "moodle-push-gateway";
        com.nimbusds.jose.crypto.ECDSASigner signer = new com.nimbusds.jose.crypto.ECDSASigner(hubKey);
        java.time.Instant now = java.time.Instant.now();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < distinct; i++) {
            // The claims the hub's KeyIssuer writes.
            var claims = new com.nimbusds.jwt.JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject(java.util.UUID.randomUUID().toString())
                    .jwtID(java.util.UUID.randomUUID().toString()).issueTime(java.util.Date.from(now)).notBeforeTime(java.util.Date.from(now))
                    .expirationTime(java.util.Date.from(now.plus(Duration.ofDays(365))))
                    .claim("scope", net.moodlepushhub.common.keys.AccessKeyKind.SITE.scopeClaim()).claim("site_url", "https://moodle.example.org/" + i).build();
            var jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.ES256)
                    .type(new com.nimbusds.jose.JOSEObjectType(net.moodlepushhub.common.keys.AccessKeyKind.SITE.typ())).keyID("bench").build(), claims);
            jwt.sign(signer);
            // As Moodle sends it (X-AN-APP-KEY): the dot-free form.
            keys.add(net.moodlepushhub.common.keys.MoodleAccessKey.encode(jwt.serialize()));
        }
        net.moodlepushhub.gateway.keys.RevocationRegistry registry = new net.moodlepushhub.gateway.keys.RevocationRegistry();
        net.moodlepushhub.gateway.keys.KeyRefusals refusals = new net.moodlepushhub.gateway.keys.KeyRefusals(reason -> {
            throw new IllegalStateException("refused: " + reason);
        }, com.github.benmanes.caffeine.cache.Ticker.systemTicker());
        var uncached = net.moodlepushhub.gateway.keys.AccessKeyVerifier.standalone(jwks, net.moodlepushhub.gateway.keys.HubMetadata.fixed(issuer),
                audience, registry, refusals, 0, java.time.Clock.systemUTC(), com.github.benmanes.caffeine.cache.Ticker.systemTicker());
        var cached = net.moodlepushhub.gateway.keys.AccessKeyVerifier.standalone(jwks, net.moodlepushhub.gateway.keys.HubMetadata.fixed(issuer),
                audience, registry, refusals, 10_000, java.time.Clock.systemUTC(), com.github.benmanes.caffeine.cache.Ticker.systemTicker());
        int warmup = Integer.getInteger("bench.keys.warmup", 20_000);
        int measured = Integer.getInteger("bench.keys.measured", 20_000);
        // Same warm-up on both sides (the cached side's first pass over the keys fills its cache).
        for (int i = 0; i < warmup; i++) {
            uncached.verify(keys.get(i % distinct));
            cached.verify(keys.get(i % distinct));
        }
        double fullMicros = perCall(uncached, keys, measured);
        double cachedMicros = perCall(cached, keys, measured);
        // Again, in the other order, so that neither side profits from running second.
        cachedMicros = Math.min(cachedMicros, perCall(cached, keys, measured));
        fullMicros = Math.min(fullMicros, perCall(uncached, keys, measured));
        System.out.printf(Locale.ROOT, "%nkeys: access-key verification per request, %,d distinct site keys (Moodle form), %,d warm-up + %,d measured each side%n",
                distinct, warmup, measured);
        System.out.printf(Locale.ROOT, "  baseline  full check (ES256 signature, claims, revocation) : %9.2f us%n", fullMicros);
        System.out.printf(Locale.ROOT, "  gateway   key seen before (cache of verified keys)        : %9.2f us   (aim < 50 us)%n", cachedMicros);
        System.out.printf(Locale.ROOT, "  ratio     cached / full                                    : %9.4f%n", cachedMicros / fullMicros);
    }

    private static double perCall(net.moodlepushhub.gateway.keys.AccessKeyVerifier verifier, List<String> keys, int n) throws Exception {
        long start = System.nanoTime();
        int sink = 0;
        for (int i = 0; i < n; i++) {
            sink += verifier.verify(keys.get(i % keys.size())).siteId().length();
        }
        double micros = (System.nanoTime() - start) / 1e3 / n;
        if (sink == 0) {
            throw new IllegalStateException("nothing verified");
        }
        return micros;
    }


    /** Sends per warm-up round of Pushy direct; rounds run until this JVM's JIT has settled ({@link JitSettling}). */
    static final int DIRECT_WARMUP = Integer.getInteger("bench.direct.warmup", 20_000);

    /** Fewest sends in one timed trial of Pushy direct. */
    static final int DIRECT_TRIAL = Integer.getInteger("bench.direct.trial", 100_000);

    /** The baseline's rate and how it was warmed. */
    record Direct(double rate, JitSettling.Result warmup) {
    }

    /**
     * Pushy's own client sending straight to the mock, the baseline for delivery throughput: warmed in rounds of
     * {@link #DIRECT_WARMUP} sends until this JVM's JIT has settled (the gateway is warmed the same way), then five
     * timed trials of at least {@link #DIRECT_TRIAL} sends over {@code tokens}, each on a quiet machine; the median
     * trial's rate. The mock and its handler are the ones the gateway sends to.
     */
    static Direct pushyDirect(MockApnsFixture apns, List<String> tokens) throws Exception {
        try (PushyDirect direct = PushyDirect.warmed(apns, tokens)) {
            double[] trials = new double[5];
            double waited = 0;
            for (int t = 0; t < trials.length; t++) {
                waited += settle();
                trials[t] = direct.trial();
            }
            System.out.printf(Locale.ROOT, "  (Pushy direct, warmed %s of %,d sends; 5 trials of %,d sends, each on a quiet machine (waited %.1f s in all): %s per s in order; median used)%n",
                    direct.warmup.describe(), DIRECT_WARMUP, direct.trial.size(), waited, joined(trials, "%.0f"));
            return new Direct(median(trials), direct.warmup);
        }
    }

    /** Pushy's own client to the mock, warmed until this JVM's JIT settled; timed trials on demand. */
    static final class PushyDirect implements AutoCloseable {
        final ApnsClient client;
        final io.netty.channel.EventLoopGroup eventLoops;
        final MockApnsFixture apns;
        final String payload = new SimpleApnsPayloadBuilder().setAlertBody("Bench message").setAlertTitle("Moodle").build();
        final List<String> trial;
        JitSettling.Result warmup;

        private PushyDirect(MockApnsFixture apns, List<String> tokens) throws Exception {
            this.apns = apns;
            // The gateway's client configuration (gateway.apns.connections=2, one event-loop thread per connection
            // up to the cores), so the two differ only by what the gateway adds.
            this.eventLoops = new io.netty.channel.nio.NioEventLoopGroup(Math.min(2, Runtime.getRuntime().availableProcessors()));
            this.client = new ApnsClientBuilder()
                    .setApnsServer("127.0.0.1", apns.port())
                    .setTrustedServerCertificateChain(apns.serverCertificate())
                    .setSigningKey(apns.signingKey())
                    .setConcurrentConnections(2)
                    .setEventLoopGroup(eventLoops)
                    .build();
            // A trial of a second or less moved by 2x between runs: trials of at least DIRECT_TRIAL sends.
            trial = new ArrayList<>(Math.max(DIRECT_TRIAL, tokens.size()));
            for (int i = 0; i < Math.max(DIRECT_TRIAL, tokens.size()); i++) {
                trial.add(tokens.get(i % tokens.size()));
            }
        }

        static PushyDirect warmed(MockApnsFixture apns, List<String> tokens) throws Exception {
            PushyDirect direct = new PushyDirect(apns, tokens);
            List<String> warm = new ArrayList<>(DIRECT_WARMUP);
            for (int i = 0; i < DIRECT_WARMUP; i++) {
                warm.add(tokens.get(i % tokens.size()));
            }
            direct.warmup = JitSettling.warm(ProcessHandle.current().pid(), () -> direct.send(warm));
            return direct;
        }

        /** @return sends per second of one trial, counted at the mock */
        double trial() throws Exception {
            return send(trial);
        }

        private double send(List<String> tokens) throws Exception {
            // The gateway's own bound on sends in flight (2,000 by default), so both sides pay the same for flow control.
            InFlightBound inFlight = new InFlightBound(2000);
            int before = apns.acceptedCount();
            long start = System.nanoTime();
            for (String token : tokens) {
                inFlight.acquire();
                client.sendNotification(new SimpleApnsPushNotification(token, apns.topic(), payload))
                        .whenComplete((r, e) -> inFlight.release());
            }
            // Counted where the gateway's deliveries are counted: at the mock.
            waitFor(() -> apns.acceptedCount() - before >= tokens.size(), Duration.ofMinutes(5));
            return tokens.size() / seconds(start);
        }

        @Override
        public void close() throws Exception {
            client.close().get();
            eventLoops.shutdownGracefully().sync();
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Before each measured stretch, on either side of a comparison: a full GC of this JVM (it hosts the
     * MockApnsServer both sides send to, and the direct client; a G1 concurrent cycle landing in a direct trial
     * took 7 µs of its 34 µs per send), then a quiet machine ({@link CpuMeter#awaitQuiet}).
     *
     * @return seconds waited for the quiet machine
     */
    static double settle() throws InterruptedException {
        System.gc();
        return CpuMeter.awaitQuiet(QUIET_WAIT);
    }

    /** @return the index of the value nearest to {@code target} */
    static int nearest(double[] values, double target) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (Math.abs(values[i] - target) < Math.abs(values[best] - target)) {
                best = i;
            }
        }
        return best;
    }

    /** @return the values in order, each with {@code format}, separated by " / " */
    private static String joined(double[] values, String format) {
        StringBuilder out = new StringBuilder();
        for (double v : values) {
            out.append(out.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, format, v));
        }
        return out.toString();
    }

    interface Task {
        void run(int i) throws Exception;
    }

    static double rate(int n, int threads, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        List<java.util.concurrent.Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    task.run(i);
                }
                return null;
            }));
        }
        for (var w : workers) {
            w.get();
        }
        double r = n / seconds(start);
        pool.shutdown();
        return r;
    }

    static void waitFor(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout);
            }
            Thread.sleep(5);
        }
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
